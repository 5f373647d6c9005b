import Testing

@testable import VHRCore

@Suite struct PrometheusTextTests {
    @Test func rendersHelpTypeAndSamplesInOrder() {
        let text = PrometheusText.render([
            MetricFamily("vhr_measurements_saved_total", .counter, help: "Measurements saved.", value: 3),
            MetricFamily(
                "vhr_stream_reader_lost_samples_total", .counter, help: "Samples a reader lost.",
                samples: [
                    .init(0, labels: [.init("reader", "stream#1")]),
                    .init(480, labels: [.init("reader", "tap#2"), .init("socket", "tap")]),
                ]),
            MetricFamily(
                "vhr_upload_duration_seconds", .summary, help: "Upload request time.",
                samples: [.init(1.25, suffix: "_sum"), .init(4, suffix: "_count")]),
        ])
        #expect(
            text == """
                # HELP vhr_measurements_saved_total Measurements saved.
                # TYPE vhr_measurements_saved_total counter
                vhr_measurements_saved_total 3
                # HELP vhr_stream_reader_lost_samples_total Samples a reader lost.
                # TYPE vhr_stream_reader_lost_samples_total counter
                vhr_stream_reader_lost_samples_total{reader="stream#1"} 0
                vhr_stream_reader_lost_samples_total{reader="tap#2",socket="tap"} 480
                # HELP vhr_upload_duration_seconds Upload request time.
                # TYPE vhr_upload_duration_seconds summary
                vhr_upload_duration_seconds_sum 1.25
                vhr_upload_duration_seconds_count 4

                """)
    }

    @Test func escapesHelpAndLabelValues() {
        let text = PrometheusText.render([
            MetricFamily(
                "vhr_device_up", .gauge, help: "A back\\slash\nand a newline.",
                samples: [.init(1, labels: [.init("device", "cuff \"A\"\\\n2")])])
        ])
        #expect(text.contains(#"# HELP vhr_device_up A back\\slash\nand a newline."#))
        #expect(text.contains(#"vhr_device_up{device="cuff \"A\"\\\n2"} 1"#))
        // One line per sample: an unescaped newline would split it.
        #expect(text.split(separator: "\n").count == 3)
    }

    @Test func formatsSpecialAndFractionalValues() {
        #expect(PrometheusText.format(.nan) == "NaN")
        #expect(PrometheusText.format(.infinity) == "+Inf")
        #expect(PrometheusText.format(-.infinity) == "-Inf")
        #expect(PrometheusText.format(42) == "42")
        #expect(PrometheusText.format(-7) == "-7")
        #expect(PrometheusText.format(0.5) == "0.5")
        #expect(PrometheusText.format(1e20) == "1e+20")
    }

    @Test func namesFollowTheFormat() {
        #expect(MetricFamily.isValidMetricName("vhr_up"))
        #expect(MetricFamily.isValidMetricName("vhr:ring_fill_ratio"))
        #expect(!MetricFamily.isValidMetricName("1vhr"))
        #expect(!MetricFamily.isValidMetricName("vhr-up"))
        #expect(!MetricFamily.isValidMetricName(""))
        #expect(MetricFamily.isValidLabelName("reader"))
        #expect(!MetricFamily.isValidLabelName("__name"))
        #expect(!MetricFamily.isValidLabelName("a:b"))
    }
}
