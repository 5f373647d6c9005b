/// Picks the known name a mistyped one most likely meant, for "did you mean" hints.
///
/// Uses ``editDistance(_:_:)`` and accepts a candidate only when it is close relative to the
/// name's length, so that `[romo]` suggests `[room]` but `[foo]` suggests nothing.
func closestMatch(to name: String, in candidates: some Sequence<String>) -> String? {
    let typed = Array(name.lowercased())
    var best: (candidate: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(typed, Array(candidate.lowercased()))
        if distance < (best?.distance ?? Int.max) {
            best = (candidate, distance)
        }
    }
    guard let best else { return nil }
    let allowed = max(1, min(3, best.candidate.count / 3))
    return best.distance <= allowed ? best.candidate : nil
}

/// The edit distance between two character arrays, counting an insertion, a deletion, a
/// substitution or a swap of two neighbours as one edit (the optimal string alignment distance),
/// since swapped letters are the commonest typo.
func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var beforePrevious = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                current[j] = min(current[j], beforePrevious[j - 2] + 1)
            }
        }
        (beforePrevious, previous, current) = (previous, current, beforePrevious)
    }
    return previous[b.count]
}
