import Foundation

/// Number formatting shared by the table and the targets.
enum Format {
    /// Samples per second as millions, three significant figures or more.
    static func rate(_ value: Double) -> String {
        let millions = value / 1e6
        return millions >= 100 ? String(format: "%.0f", millions) : String(format: "%.3g", millions)
    }

    static func ratio(_ value: Double) -> String {
        value >= 10 ? String(format: "%.1fx", value) : String(format: "%.2fx", value)
    }

    static func percent(_ fraction: Double) -> String {
        String(format: "%.2f %%", fraction * 100)
    }

    static func milliseconds(_ value: Double) -> String {
        String(format: "%.2f ms", value)
    }

    /// Left- or right-aligns `text` in `width` columns.
    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let gap = String(repeating: " ", count: max(0, width - text.count))
        return right ? gap + text : text + gap
    }
}
