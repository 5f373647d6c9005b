import Foundation
import Testing
import VHRCore

@Suite struct DeviceProfileTests {
    /// A valid USB cuff profile as a JSON object, for tests to break one field at a time.
    static func usbCuff() -> [String: Any] {
        [
            "id": "acme-bp200",
            "name": "Acme BP-200",
            "vendor": "Acme",
            "kind": "bp-cuff",
            "family": "acme-bp",
            "transport": "usb",
            "match": [["usb": ["vendor": "0590", "product": "00Ab"]]],
            "parameters": ["maxPressure": 280, "model": "BP-200", "hasMotionSensor": true, "scale": 0.5],
        ]
    }

    static func data(_ object: [String: Any]) -> Data {
        try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// Decodes `object` as `acme-bp200.json`, expecting a `ProfileError` on `field`.
    @discardableResult
    static func expectError(
        _ object: [String: Any], field: String, problem: String? = nil, file: String = "acme-bp200.json",
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> ProfileError? {
        let error = #expect(throws: ProfileError.self, sourceLocation: sourceLocation) {
            try DeviceProfile.decode(data(object), file: file)
        }
        #expect(error?.file == file, sourceLocation: sourceLocation)
        #expect(error?.field == field, sourceLocation: sourceLocation)
        if let problem {
            #expect(error?.problem == problem, sourceLocation: sourceLocation)
        }
        #expect(error?.fix.isEmpty == false, sourceLocation: sourceLocation)
        return error
    }

    static func with(_ changes: (inout [String: Any]) -> Void) -> [String: Any] {
        var object = usbCuff()
        changes(&object)
        return object
    }

    // MARK: Valid profiles

    @Test func decodesAUSBProfileWithTypedParameters() throws {
        let profile = try DeviceProfile.decode(
            Self.data(Self.usbCuff()), file: "/usr/share/vhr/profiles/acme-bp200.json")
        #expect(
            profile
                == DeviceProfile(
                    id: "acme-bp200", name: "Acme BP-200", vendor: "Acme", kind: .bloodPressureCuff, family: "acme-bp",
                    transport: .usb, match: [.usb(vendor: 0x0590, product: 0x00AB)],
                    parameters: [
                        "maxPressure": .number(280), "model": .string("BP-200"), "hasMotionSensor": .bool(true),
                        "scale": .number(0.5),
                    ]))
        #expect(profile.double("maxPressure") == 280)
        #expect(profile.int("maxPressure") == 280)
        #expect(profile.int("scale") == nil)
        #expect(profile.double("scale") == 0.5)
        #expect(profile.string("model") == "BP-200")
        #expect(profile.bool("hasMotionSensor") == true)
        #expect(profile.bool("model") == nil)
        #expect(profile.string("maxPressure") == nil)
        #expect(profile.double("missing") == nil)
    }

    @Test func decodesSerialAndALSARules() throws {
        let serial = try DeviceProfile.decode(
            Self.data(
                Self.with {
                    $0["transport"] = "serial"
                    $0["match"] = [
                        ["serial": ["usbVendor": "0403", "usbProduct": "6001", "serialNumber": "A123XYZ"]],
                        ["serial": ["usbVendor": "1209", "usbProduct": "0001"]],
                    ]
                }), file: "acme-bp200.json")
        #expect(
            serial.match == [
                .serial(usbVendor: 0x0403, usbProduct: 0x6001, serialNumber: "A123XYZ"),
                .serial(usbVendor: 0x1209, usbProduct: 0x0001, serialNumber: nil),
            ])
        let alsa = try DeviceProfile.decode(
            Self.data(
                Self.with {
                    $0["kind"] = "stethoscope"
                    $0["transport"] = "alsa"
                    $0["match"] = [["alsa": ["usbVendor": "0d8c", "usbProduct": "0014", "cardName": "Device"]]]
                }), file: "acme-bp200.json")
        #expect(alsa.kind == .stethoscope)
        #expect(alsa.match == [.alsa(usbVendor: 0x0D8C, usbProduct: 0x0014, cardName: "Device")])
    }

    @Test func encodesAndDecodesBackToTheSameProfile() throws {
        let profile = DeviceProfile(
            id: "x-1", name: "X", vendor: "V", kind: .stethoscope, family: "f", transport: .serial,
            match: [.serial(usbVendor: 0x000A, usbProduct: 0xFFFF, serialNumber: "S1")],
            parameters: ["a": .number(1.25), "b": .string("s"), "c": .bool(false)])
        let data = try JSONEncoder().encode(profile)
        #expect(String(decoding: data, as: UTF8.self).contains("\"usbVendor\":\"000a\""))
        #expect(try DeviceProfile.decode(data, file: "x-1.json") == profile)
    }

    @Test func matchAndParametersMayBeLeftOutForASimulatedDevice() throws {
        let object: [String: Any] = [
            "id": "sim", "name": "Sim", "vendor": "vhr", "kind": "bp-cuff", "family": "simulated-cuff",
            "transport": "simulated",
        ]
        let profile = try DeviceProfile.decode(Self.data(object), file: "sim.json")
        #expect(profile.match.isEmpty)
        #expect(profile.parameters.isEmpty)
    }

    @Test func parameterErrorNamesTheParameter() throws {
        let profile = try DeviceProfile.decode(Self.data(Self.usbCuff()), file: "acme-bp200.json")
        #expect(
            profile.parameterError("model", expected: "a number").description
                == "acme-bp200.json: parameters.model: \"BP-200\" is not a number. Fix: set \"model\" to a number")
        #expect(
            profile.parameterError("rate", expected: "a number of mmHg/s").problem
                == "the acme-bp family needs this parameter")
    }

    private struct AcmeSettings: Codable, Equatable {
        var maxPressure: Int
        var model: String
        var hasMotionSensor: Bool
        var scale: Double
    }

    @Test func decodesParametersIntoAFamilysSettings() throws {
        let profile = try DeviceProfile.decode(Self.data(Self.usbCuff()), file: "acme-bp200.json")
        #expect(
            try profile.decodeParameters(as: AcmeSettings.self)
                == AcmeSettings(maxPressure: 280, model: "BP-200", hasMotionSensor: true, scale: 0.5))
    }

    @Test func decodingParametersRejectsMissingMistypedAndUnknownOnes() throws {
        var profile = try DeviceProfile.decode(Self.data(Self.usbCuff()), file: "acme-bp200.json")
        profile.parameters["scael"] = .number(1)
        let unknown = #expect(throws: ProfileError.self) { try profile.decodeParameters(as: AcmeSettings.self) }
        #expect(unknown?.field == "parameters.scael")
        #expect(unknown?.problem == "the acme-bp family has no parameter \"scael\"")
        #expect(unknown?.fix.hasPrefix("did you mean \"scale\"?") == true)
        profile.parameters["scael"] = nil
        profile.parameters["maxPressure"] = .number(280.5)
        let fraction = #expect(throws: ProfileError.self) { try profile.decodeParameters(as: AcmeSettings.self) }
        #expect(fraction?.field == "parameters.maxPressure")
        #expect(fraction?.problem == "280.5 is not a number the acme-bp family can use")
        profile.parameters["maxPressure"] = .string("280")
        let mistyped = #expect(throws: ProfileError.self) { try profile.decodeParameters(as: AcmeSettings.self) }
        #expect(mistyped?.field == "parameters.maxPressure")
        profile.parameters["maxPressure"] = nil
        let missing = #expect(throws: ProfileError.self) { try profile.decodeParameters(as: AcmeSettings.self) }
        #expect(missing?.field == "parameters.maxPressure")
        #expect(missing?.problem == "\"maxPressure\" is missing")
    }

    // MARK: Rejections

    @Test func rejectsUnknownKeysAtEveryLevel() {
        let top = Self.expectError(Self.with { $0["famly"] = "x" }, field: "famly", problem: "unknown key \"famly\"")
        #expect(top?.fix.hasPrefix("did you mean \"family\"?") == true)
        Self.expectError(
            Self.with { $0["match"] = [["usb": ["vendor": "0590", "product": "0090", "serial": "x"]]] },
            field: "match[0].usb.serial", problem: "unknown key \"serial\"")
        Self.expectError(
            Self.with { $0["match"] = [["usb": ["vendor": "0590", "product": "0090"], "hid": [:]]] },
            field: "match[0].hid", problem: "unknown key \"hid\"")
        Self.expectError(
            Self.with {
                $0["transport"] = "serial"
                $0["match"] = [["serial": ["usbVendor": "1209", "usbProduct": "0001", "serial": "A"]]]
            }, field: "match[0].serial.serial")
        Self.expectError(
            Self.with {
                $0["transport"] = "alsa"
                $0["match"] = [["alsa": ["usbVendor": "1209", "usbProduct": "0001", "card": "A"]]]
            }, field: "match[0].alsa.card")
    }

    @Test func rejectsAnIDThatDoesNotMatchTheFileName() {
        let error = Self.expectError(
            Self.usbCuff(), field: "id", problem: "the id \"acme-bp200\" does not match the file name",
            file: "profiles/acme-bp300.json")
        #expect(error?.fix == "set \"id\": \"acme-bp300\", or rename the file to acme-bp200.json")
    }

    @Test func rejectsABadID() {
        Self.expectError(
            Self.with { $0["id"] = "Acme_BP200" }, field: "id",
            problem: "\"Acme_BP200\" may only contain a-z, 0-9 and '-'")
        Self.expectError(Self.with { $0["id"] = "" }, field: "id")
    }

    @Test(arguments: ["590", "05900", "059g", "0x59", ""])
    func rejectsBadHexIDs(id: String) {
        Self.expectError(
            Self.with { $0["match"] = [["usb": ["vendor": "0590", "product": id]]] }, field: "match[0].usb.product",
            problem: "\"\(id)\" is not 4 hex digits")
    }

    @Test func rejectsAMatchRuleThatDoesNotFitTheTransport() {
        Self.expectError(
            Self.with {
                $0["transport"] = "serial"
                $0["match"] = [
                    ["serial": ["usbVendor": "1209", "usbProduct": "0001"]],
                    ["usb": ["vendor": "0590", "product": "0090"]],
                ]
            }, field: "match[1]", problem: "a \"usb\" rule does not fit transport \"serial\"")
    }

    @Test func rejectsARealTransportWithoutMatchRules() {
        Self.expectError(
            Self.with { $0["match"] = [] }, field: "match", problem: "a usb device needs at least one match rule")
        Self.expectError(
            Self.with { $0.removeValue(forKey: "match") }, field: "match",
            problem: "a usb device needs at least one match rule")
    }

    @Test func decodesAUSBInterfaceClassRule() throws {
        let profile = try DeviceProfile.decode(
            Self.data(Self.with { $0["match"] = [["usbInterface": ["class": "0F"]]] }), file: "acme-bp200.json")
        #expect(profile.match == [.usbInterface(class: 0x0F)])
        let again = try DeviceProfile.decode(JSONEncoder().encode(profile), file: "acme-bp200.json")
        #expect(again == profile)
    }

    @Test(arguments: ["f", "0x0f", "00", "ff", "FF", ""])
    func rejectsAUselessOrMalformedInterfaceClass(text: String) {
        Self.expectError(
            Self.with { $0["match"] = [["usbInterface": ["class": text]]] }, field: "match[0].usbInterface.class")
    }

    @Test func aSerialDeviceMayBeEnrolledByTheRoomInsteadOfMatched() throws {
        let profile = try DeviceProfile.decode(
            Self.data(
                Self.with {
                    $0["transport"] = "serial"
                    $0["match"] = []
                }), file: "acme-bp200.json")
        #expect(profile.match.isEmpty)
    }

    @Test func rejectsASimulatedTransportWithMatchRules() {
        Self.expectError(
            Self.with { $0["transport"] = "simulated" }, field: "match",
            problem: "a simulated device has no hardware to match")
    }

    @Test func rejectsAMatchRuleWithNoneOrTwoKinds() {
        Self.expectError(
            Self.with { $0["match"] = [[:]] }, field: "match[0]",
            problem: "a match rule needs exactly one of \"usb\", \"usbInterface\", \"serial\" or \"alsa\"")
        Self.expectError(
            Self.with {
                $0["match"] = [
                    [
                        "usb": ["vendor": "0590", "product": "0090"],
                        "alsa": ["usbVendor": "0590", "usbProduct": "0090"],
                    ]
                ]
            }, field: "match[0]")
    }

    @Test func rejectsAGenericSerialAdapterWithoutSerialNumber() {
        Self.expectError(
            Self.with {
                $0["transport"] = "serial"
                $0["match"] = [["serial": ["usbVendor": "10C4", "usbProduct": "EA60"]]]
            }, field: "match[0].serial.serialNumber",
            problem: "10c4:ea60 is a generic USB-serial adapter, found in many unrelated devices")
    }

    @Test func rejectsUnknownKindAndTransport() {
        Self.expectError(Self.with { $0["kind"] = "cuff" }, field: "kind", problem: "unknown kind \"cuff\"")
        Self.expectError(
            Self.with { $0["transport"] = "bluetooth" }, field: "transport", problem: "unknown transport \"bluetooth\"")
    }

    @Test func rejectsMissingEmptyAndMistypedFields() {
        Self.expectError(
            Self.with { $0.removeValue(forKey: "vendor") }, field: "vendor", problem: "\"vendor\" is missing")
        Self.expectError(Self.with { $0["name"] = " " }, field: "name", problem: "\"name\" is empty")
        Self.expectError(Self.with { $0["family"] = 3 }, field: "family", problem: "expected a string")
        Self.expectError(
            Self.with { $0["match"] = [["usb": ["vendor": 590, "product": "0090"]]] }, field: "match[0].usb.vendor",
            problem: "expected a string")
        Self.expectError(
            Self.with { $0["parameters"] = ["maxPressure": [1, 2]] }, field: "parameters.maxPressure",
            problem: "a parameter must be a number, a string or true/false")
        Self.expectError(Self.with { $0["parameters"] = ["x": NSNull()] }, field: "parameters.x")
        Self.expectError(
            Self.with {
                $0["transport"] = "alsa"
                $0["match"] = [["alsa": ["usbVendor": "1209", "usbProduct": "0001", "cardName": ""]]]
            }, field: "match[0].alsa.cardName", problem: "\"cardName\" is empty")
    }

    @Test func rejectsInvalidJSON() {
        let error = #expect(throws: ProfileError.self) {
            try DeviceProfile.decode(Data("{\"id\": ".utf8), file: "acme-bp200.json")
        }
        #expect(error?.field == "")
        #expect(error?.problem.hasPrefix("not valid JSON") == true)
        #expect(error?.fix == "check the syntax, for example with python3 -m json.tool acme-bp200.json")
    }
}
