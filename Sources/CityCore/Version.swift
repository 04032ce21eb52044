/// The daemon's version (semantic versioning; CHANGELOG.md lists what each one changed), shown by
/// `cityfeedsd --version`, in `/healthz` and as the `cityfeeds_build_info` metric.
package enum CityFeedsVersion {
    /// This build's version.
    package static let current = "0.17.0"

    /// The Swift language version it was compiled with.
    package static let swift: String = {
        #if swift(>=6.4)
        return "6.4+"
        #elseif swift(>=6.3)
        return "6.3"
        #elseif swift(>=6.2)
        return "6.2"
        #elseif swift(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }()
}
