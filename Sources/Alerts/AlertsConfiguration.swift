import FeedCore

/// `[alerts]`: the alert engine's outputs and lifecycle settings.
public struct AlertsSection: Decodable, Sendable {
    /// `log_file`: where the JSON Lines log goes (default: `alerts.jsonl` in the data directory).
    public var logFile: String?
    var notGenuine: String?
    var offlineRaiseAfterMinutes: Number?
    var rainClearRatio: Number?
    var statusTopic: String?
    var lateAfterSeconds: Number?
    var backlogQuietSeconds: Number?

    enum CodingKeys: String, CodingKey {
        case lateAfterSeconds = "late_after_seconds"
        case backlogQuietSeconds = "backlog_quiet_seconds"
        case logFile = "log_file"
        case notGenuine = "not_genuine"
        case offlineRaiseAfterMinutes = "offline_raise_after_minutes"
        case rainClearRatio = "rain_clear_ratio"
        case statusTopic = "status_topic"
    }
}

/// The alert engine's outputs and lifecycle settings.
public struct AlertSettings: Sendable, Equatable {
    /// The JSON Lines log's file, resolved.
    public var logPath: String
    /// What marking a discharge not genuine does.
    public var notGenuine: NotGenuinePolicy = .resolve
    /// How long an outfall stays offline before its monitoring alert fires.
    public var offlineRaiseAfterSeconds = 900.0
    /// A rain alert clears below this share of its level.
    public var rainClearRatio = 0.8
    /// When the wall clock may decide for a subject, and what counts as late (see `CatchUpPolicy`).
    public var catchUp = CatchUpPolicy()
    /// Retained beach statuses are published here (`{beach}` replaced); `nil`: not published.
    public var statusTopic: String? = "cityfeeds/status/beach/{beach}"

    /// Every default, with the log at `logPath`.
    public init(logPath: String) {
        self.logPath = logPath
    }

    /// Checks `section` (absent: every default). The log goes to `defaultLogPath` unless the file names one.
    public init(_ section: AlertsSection?, defaultLogPath: String, report: inout ConfigurationReport) {
        self.init(logPath: defaultLogPath)
        let rawAlerts = section
        var alerts = self
        alerts.logPath = rawAlerts?.logFile.map(report.resolve) ?? defaultLogPath
        if let text = rawAlerts?.notGenuine {
            if let policy = NotGenuinePolicy(rawValue: text) {
                alerts.notGenuine = policy
            } else {
                report.error("alerts.not_genuine", "'\(text)' is not one of resolve, flag")
            }
        }
        alerts.offlineRaiseAfterSeconds = (rawAlerts?.offlineRaiseAfterMinutes?.value ?? 15) * 60
        if alerts.offlineRaiseAfterSeconds < 0 {
            report.error("alerts.offline_raise_after_minutes", "must not be negative")
        }
        alerts.rainClearRatio = rawAlerts?.rainClearRatio?.value ?? 0.8
        if !(0.0...1.0).contains(alerts.rainClearRatio) {
            report.error("alerts.rain_clear_ratio", "must be from 0 to 1")
        }
        alerts.catchUp.lateAfterSeconds = rawAlerts?.lateAfterSeconds?.value ?? alerts.catchUp.lateAfterSeconds
        if !(1...86_400).contains(alerts.catchUp.lateAfterSeconds) {
            report.error("alerts.late_after_seconds", "must be from 1 to 86400")
        }
        alerts.catchUp.quietSeconds = rawAlerts?.backlogQuietSeconds?.value ?? alerts.catchUp.quietSeconds
        if !(0...3_600).contains(alerts.catchUp.quietSeconds) {
            report.error("alerts.backlog_quiet_seconds", "must be from 0 to 3600")
        }
        if let topic = rawAlerts?.statusTopic {
            if topic.isEmpty {
                alerts.statusTopic = nil
            } else if !topic.contains("{beach}") || topic.contains("+") || topic.contains("#") {
                report.error("alerts.status_topic", "must contain {beach} and no wildcard")
            } else {
                alerts.statusTopic = topic
            }
        }
        self = alerts
    }
}
