import Foundation
import NimbusJSON
import NimbusKernel
import NimbusStore

extension ServerView {
    /// Below this many servers per part a listing is written on one thread: a task hand-off costs more than
    /// it saves.
    static let minServersPerPart = 150

    /// How many parts a page of `count` servers is written in: one per core, at least `minServersPerPart` each.
    static func listingParts(_ count: Int) -> Int {
        max(1, min(ProcessInfo.processInfo.activeProcessorCount, count / minServersPerPart))
    }

    /// The page's servers as comma-separated JSON objects. A big page is cut into `parts` runs written
    /// concurrently and joined in order: encoding is most of a 1,000-server listing and a core's worth of
    /// work, so a second core halves it. Every run is written the same way, so the bytes do not depend on
    /// `parts`.
    static func writeListing(_ page: [APIServer], _ v: ServerViewContext, faults: [UUID: InstanceFault],
                             parts: Int? = nil, to body: inout JSONSink) async {
        let n = max(1, min(parts ?? listingParts(page.count), page.count))
        guard n > 1 else { writeServers(page[...], v, faults, to: &body); return }
        let size = (page.count + n - 1) / n
        let runs = stride(from: 0, to: page.count, by: size).map { page[$0..<min($0 + size, page.count)] }
        await withTaskGroup(of: (Int, [UInt8]).self) { group in
            for k in 1..<runs.count {
                let run = runs[k]
                group.addTask {
                    var sink = JSONSink(capacity: run.count * 2048)
                    defer { sink.deallocate() }
                    writeServers(run, v, faults, to: &sink)
                    return (k, Array(sink.bytes))
                }
            }
            // The first run is written here while the others are written elsewhere.
            writeServers(runs[0], v, faults, to: &body)
            var rest = [[UInt8]](repeating: [], count: runs.count)
            for await (k, bytes) in group { rest[k] = bytes }
            for bytes in rest.dropFirst() {
                body.append(UInt8(ascii: ","))
                bytes.withUnsafeBufferPointer { body.append($0) }
            }
        }
    }

    static func writeServers(_ run: ArraySlice<APIServer>, _ v: ServerViewContext, _ faults: [UUID: InstanceFault],
                             to body: inout JSONSink) {
        for (n, s) in run.enumerated() {
            if n > 0 { body.append(UInt8(ascii: ",")) }
            var object = JSONObjectWriter(body)
            detailFields(s, v, fault: faults[s.instance.uuid], hints: s.fields.schedulerHints, into: &object)
            body = object.finish()
        }
    }
}
