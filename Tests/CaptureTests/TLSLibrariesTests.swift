import Capture
import Foundation
import Testing
import TestSupport

/// Finding the OpenSSL files the TLS probes go on, from /proc/PID/maps texts.
struct TLSLibrariesTests {
    static let maps = """
        55d0c8a00000-55d0c8a2e000 r--p 00000000 08:01 1835101                    /usr/bin/python3.11
        7f3a1c000000-7f3a1c021000 rw-p 00000000 00:00 0 
        7f3a1d200000-7f3a1d25b000 r--p 00000000 08:01 1836622                    /usr/lib/x86_64-linux-gnu/libssl.so.3
        7f3a1d25b000-7f3a1d2b7000 r-xp 0005b000 08:01 1836622                    /usr/lib/x86_64-linux-gnu/libssl.so.3
        7f3a1d400000-7f3a1d6b0000 r--p 00000000 08:01 1836620                    /usr/lib/x86_64-linux-gnu/libcrypto.so.3
        7f3a1e000000-7f3a1e05c000 r-xp 00000000 08:01 2500001                    /opt/app/site-packages/psycopg2_binary.libs/libssl-8bd944e8.so.3
        7f3a1e100000-7f3a1e15c000 r-xp 00000000 08:01 2500002                    /opt/my libs/libssl.so.1.1
        7f3a1e200000-7f3a1e25c000 r-xp 00000000 08:01 2500003                    /tmp/old/libssl.so.3 (deleted)
        7f3a1e300000-7f3a1e301000 r-xp 00000000 08:01 2500004                    /usr/lib/libsslcommon.txt
        7ffd2a5e0000-7ffd2a601000 rw-p 00000000 00:00 0                          [stack]
        """

    @Test func eachMappedLibSSLOnceInOrder() {
        #expect(TLSLibraries.libraryPaths(inMaps: Self.maps) == [
            "/usr/lib/x86_64-linux-gnu/libssl.so.3",
            "/opt/app/site-packages/psycopg2_binary.libs/libssl-8bd944e8.so.3",
            "/opt/my libs/libssl.so.1.1",
        ])
    }

    @Test(arguments: [
        ("/lib/x86_64-linux-gnu/libssl.so.3", true),
        ("/x/libssl-6a9b88ec.so.3", true),
        ("/usr/lib/x86_64-linux-gnu/libcrypto.so.3", false),
        ("/usr/lib/libssl3-notes.txt", false),
        ("/usr/lib/x86_64-linux-gnu/libgnutls.so.30", false),
    ])
    func libSSLByName(path: String, expected: Bool) {
        #expect(TLSLibraries.isLibSSL(path[...]) == expected)
    }

    /// The system's libssl under both of its names (merged /usr) is one file.
    @Test func oneEntryPerFile() throws {
        let files = TLSLibraries.system()
        #expect(Set(files.map { [$0.device, $0.inode] }).count == files.count)
        if FileManager.default.fileExists(atPath: "/lib/x86_64-linux-gnu/libssl.so.3") {
            #expect(files.contains { $0.path.hasSuffix("libssl.so.3") })
        }
    }

    /// This test process maps nothing of OpenSSL's unless Foundation does; a process of its own
    /// that does (python's ssl module) is found through its /proc entry.
    @Test func aProcessMappingLibSSLIsScanned() throws {
        let ownMaps = try String(contentsOfFile: "/proc/self/maps", encoding: .utf8)
        let own = TLSLibraries.libraryPaths(inMaps: ownMaps)
        let files = TLSLibraries.find(procRoot: "/proc", pids: [getpid()])
        for path in own {
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            #expect(files.contains { $0.inode == UInt64(info.st_ino) && $0.device == UInt64(info.st_dev) })
        }
    }

    /// A process that has exited but was not waited for (a zombie) has no mappings: its maps read
    /// as gone, not as a process that maps no OpenSSL; a running one's read whole.
    @Test func anExitedProcessHasNoMappings() throws {
        let running = try #require(TLSLibraries.mappings(procRoot: "/proc", pid: getpid()))
        #expect(running.contains("[stack]"))
        let child = try InteractiveProcess("/bin/true", [])
        defer { child.wait() }
        // exited once its stat says so (Z), still there to be read until waited for
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !(try String(contentsOfFile: "/proc/\(child.pid)/stat", encoding: .utf8).contains(") Z ")) {
            usleep(10_000)
        }
        #expect(FileManager.default.fileExists(atPath: "/proc/\(child.pid)/maps"))
        #expect(TLSLibraries.mappings(procRoot: "/proc", pid: child.pid) == nil)
        #expect(TLSLibraries.libraries(procRoot: "/proc", pid: child.pid) == nil)
        #expect(TLSLibraries.mappings(procRoot: "/proc", pid: 999_999_999) == nil)
    }
}

/// How a path reached through a process's root reads in messages.
struct TLSLibrariesDisplayTests {
    @Test func aPathThroughTheAgentsOwnRootReadsAsIs() {
        #expect(TLSLibraries.displayPath("/proc/\(getpid())/root/usr/lib/libssl.so.3") == "/usr/lib/libssl.so.3")
        #expect(TLSLibraries.displayPath("/usr/lib/libssl.so.3") == "/usr/lib/libssl.so.3")
        // a process that is gone: shown as it saw it
        #expect(TLSLibraries.displayPath("/proc/999999999/root/tmp/x/libssl.so.3") == "/tmp/x/libssl.so.3")
    }
}
