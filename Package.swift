// swift-tools-version:6.1
// vhr: the controller daemon for unattended virtual health rooms.
// No package dependencies: the toolchain's modules and Debian's C libraries only.
import PackageDescription

let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "vhr",
    products: [
        .executable(name: "vhrd", targets: ["vhrd"]),
        .executable(name: "vhrctl", targets: ["vhrctl"]),
        .executable(name: "vhr-bench", targets: ["vhr-bench"]),
    ],
    targets: [
        // C libraries from Debian, one system-library target each.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        .systemLibrary(
            name: "CLibSerialPort", pkgConfig: "libserialport", providers: [.apt(["libserialport-dev"])]),
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        // Uploads: HTTPS with libcurl (OpenSSL, the system's CA store, timeouts it enforces itself).
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // Pure: models, codecs, profiles, state machines. No C, no I/O, no threads.
        .target(name: "VHRCore", swiftSettings: settings),
        // Thin typed wrappers over the OS and the C libraries.
        .target(
            name: "VHRSystem",
            dependencies: ["VHRCore", "CSQLite", "CLibUSB", "CLibSerialPort", "CALSA", "CCurl"],
            swiftSettings: settings),
        // Device families: simulated devices now, real drivers later.
        .target(
            name: "VHRDevices", dependencies: ["VHRCore", "VHRSystem"],
            exclude: [
                "Simulated/README.md", "USBAudio/README.md", "PHD/README.md", "SunTech/README.md", "Omron/README.md",
            ], resources: [.copy("Simulated/Recordings")],
            swiftSettings: settings),
        // The daemon as a library of services.
        .target(
            name: "VHRServices", dependencies: ["VHRCore", "VHRSystem", "VHRDevices"], swiftSettings: settings),
        // The technician's CLI as a library, so tests drive it in-process.
        // It links the services too: `vhrctl diag --direct` runs the room's self-test without the
        // daemon, the way fwupdtool drives fwupd's plugins.
        .target(name: "VHRCtlKit", dependencies: ["VHRCore", "VHRSystem", "VHRServices"], swiftSettings: settings),
        .executableTarget(name: "vhrd", dependencies: ["VHRServices"], swiftSettings: settings),
        .executableTarget(name: "vhrctl", dependencies: ["VHRCtlKit"], swiftSettings: settings),

        // The benchmark, with the peer rings it is compared against (Debian packages, benchmark only).
        // C entry points over boost's, JACK's and spa's rings. No pkgConfig: jack.pc and
        // libspa-0.2.pc add -D_REENTRANT, which SwiftPM refuses; the paths are Debian's.
        .target(
            name: "CBenchPeers", cxxSettings: [.unsafeFlags(["-I/usr/include/spa-0.2", "-O2"])],
            linkerSettings: [.linkedLibrary("jack")]),
        .executableTarget(
            name: "vhr-bench", dependencies: ["VHRCore", "VHRSystem", "CBenchPeers"], swiftSettings: settings),

        // Test-only: a malloc hook that counts allocations per thread.
        .target(name: "CAllocationCounter", path: "Tests/CAllocationCounter"),
        .testTarget(
            name: "VHRCoreTests", dependencies: ["VHRCore", "CAllocationCounter"], swiftSettings: settings),
        // What several test targets share: the umockdev child-probe runner, a dedicated-thread helper.
        .target(
            name: "VHRTestSupport", dependencies: ["VHRSystem"], path: "Tests/VHRTestSupport",
            swiftSettings: settings),
        .testTarget(
            name: "VHRSystemTests", dependencies: ["VHRSystem", "VHRTestSupport"], swiftSettings: settings),
        .testTarget(
            name: "VHRDevicesTests", dependencies: ["VHRDevices", "VHRTestSupport"], swiftSettings: settings),
        .testTarget(name: "VHRServicesTests", dependencies: ["VHRServices"], swiftSettings: settings),
        .testTarget(
            name: "VHRIntegrationTests", dependencies: ["VHRCore", "VHRSystem", "VHRCtlKit", "VHRTestSupport"],
            swiftSettings: settings),
    ]
)
