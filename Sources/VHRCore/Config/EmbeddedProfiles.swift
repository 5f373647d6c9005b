import Foundation

/// The profiles in `DeviceProfiles/` that VHRCore carries in its binary, so that
/// `vhrd --simulate` runs without any profile files. Each text is byte-identical to its file;
/// a test checks that, so edit the file and copy it here.
public enum EmbeddedProfiles {
    /// `DeviceProfiles/simulated-bp-cuff.json`.
    public static let simulatedBPCuff = #"""
        {
            "id": "simulated-bp-cuff",
            "name": "Simulated oscillometric blood pressure cuff",
            "vendor": "vhr",
            "kind": "bp-cuff",
            "family": "simulated-cuff",
            "transport": "simulated",
            "match": [],
            "parameters": {
                "maxPressure": 300,
                "inflateRate": 12,
                "deflateRate": 4,
                "exhaustRate": 40,
                "reportRate": 5,
                "deviceTimeout": 10,
                "reconnectDelay": 3
            }
        }

        """#

    /// `DeviceProfiles/simulated-stethoscope.json`.
    public static let simulatedStethoscope = #"""
        {
            "id": "simulated-stethoscope",
            "name": "Simulated digital stethoscope",
            "vendor": "vhr",
            "kind": "stethoscope",
            "family": "simulated-stethoscope",
            "transport": "simulated",
            "match": [],
            "parameters": {
                "source": "recording:physionet2016_c0003_normal",
                "blockMilliseconds": 10
            }
        }

        """#

    /// Every embedded profile as (file name, bytes), as ``ProfileCatalog/load(files:knownFamilies:)`` takes them.
    public static var files: [(name: String, data: Data)] {
        [
            ("simulated-bp-cuff.json", Data(simulatedBPCuff.utf8)),
            ("simulated-stethoscope.json", Data(simulatedStethoscope.utf8)),
        ]
    }
}
