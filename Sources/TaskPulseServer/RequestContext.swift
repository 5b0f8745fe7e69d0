import Foundation
import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core storage plus the connection's peer, so
/// limits can count attempts per client address (issue 6).
public struct TaskPulseRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Hummingbird's per-request storage (logger, parameters, body limits).
    public var coreContext: CoreRequestContextStorage
    /// The peer of the connection: the client, or the reverse proxy in front of the service.
    public let remoteAddress: SocketAddress?

    /// The context of a request arriving on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// Which address a request came from, for per-address limits.
///
/// A request's peer is the client unless it is a trusted proxy (by default loopback, where a reverse
/// proxy on the same machine connects from, and a peer without an IP such as a Unix socket); then the
/// rightmost `X-Forwarded-For` entry, the one that proxy added, names the client.
struct ClientAddress: Sendable {
    let trustedProxies: Set<String>

    static let loopback: Set<String> = ["127.0.0.1", "::1"]

    func of(_ request: Request, peer: SocketAddress?) -> String {
        let peerIP = peer?.ipAddress
        if peerIP == nil || trustedProxies.contains(peerIP!),
            let forwarded = request.headers[.init("X-Forwarded-For")!]?.split(separator: ",").last?
                .trimmingCharacters(in: .whitespaces), !forwarded.isEmpty
        {
            return forwarded
        }
        return peerIP ?? "local"
    }
}
