/// The head of an HTTP/1.1 response at the start of a buffer: its status, where its body starts
/// and its `Content-Length` (0 without one). Scans raw bytes with plain loops: the load generator
/// must cost far less than the server it measures.
struct ResponseHead {
    let status: Int
    /// The offset of the body: just past the head's blank line.
    let end: Int
    let contentLength: Int

    /// The head at the start of `bytes`, or nil while it is not all in.
    init?(parsing bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        var contentLength = 0
        var lineStart = 0
        var index = 0
        while index + 1 < count {
            if bytes[index] == 13, bytes[index + 1] == 10 {
                if index == lineStart {
                    var status = 0
                    for position in 9..<min(12, count) { status = status * 10 + Int(bytes[position]) - 48 }
                    self.status = status
                    self.end = index + 2
                    self.contentLength = contentLength
                    return
                }
                contentLength = max(contentLength, Self.contentLength(bytes, from: lineStart, to: index))
                lineStart = index + 2
                index += 2
            } else {
                index += 1
            }
        }
        return nil
    }

    private static let contentLengthName = Array("content-length:".utf8)

    /// The value of a `Content-Length` header line, or 0 for any other line.
    private static func contentLength(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int {
        let name = contentLengthName
        guard end - start > name.count else { return 0 }
        for offset in 0..<name.count where bytes[start + offset] | 0x20 != name[offset] | 0x20 { return 0 }
        var value = 0
        for position in (start + name.count)..<end where bytes[position] >= 48 && bytes[position] <= 57 {
            value = value * 10 + Int(bytes[position]) - 48
        }
        return value
    }
}
