import Alerts
import Beaches
import FeedCore
import Foundation
import Logging
import Parking
import TestSupport
import Testing
import TimeSeries

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd
@testable import CityPage

/// The public page, through the router in memory: French by default and English on request, every answer in
/// plain words with an unknown said as unknown, the parking form as a plain GET form, cached like a polled
/// document. (Accessibility in a real browser is the browser suite's: `scripts/page-check.sh`.)
@Suite struct PublicPageTests {
    func page(_ client: RouterClient, _ path: String, headers: [String: String] = [:]) async throws -> String {
        let reply = try await client.raw(path, headers: headers)
        #expect(reply.status == 200, "\(path)")
        #expect(reply.headers["content-type"] == "text/html; charset=utf-8")
        return String(decoding: reply.body, as: UTF8.self)
    }

    /// `text` as the templates escape it.
    func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "'", with: "&#39;")
    }

    @Test func frenchByDefaultEnglishOnRequest() async throws {
        try await daemonInMemory { client, _ in
            let french = try await page(client, "/")
            #expect(french.contains("<html lang=\"fr\">"))
            #expect(french.contains("Peut-on se baigner ?") && french.contains("Où se garer ?"))
            let english = try await page(client, "/", headers: ["Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"])
            #expect(english.contains("<html lang=\"en\">") && english.contains("Can I swim?"))
            // The parameter wins over the header; a language the page does not have falls back to French.
            #expect(try await page(client, "/?lang=fr", headers: ["Accept-Language": "en"]).contains("lang=\"fr\""))
            #expect(try await page(client, "/", headers: ["Accept-Language": "de, es;q=0.8"]).contains("lang=\"fr\""))
            #expect(english.contains("href=\"/?lang=fr\""), "a link to the other language")
            // Cached and revalidated like a polled document, per language.
            let reply = try await client.raw("/")
            #expect(reply.headers["vary"] == "Accept-Encoding, Accept-Language")
            let etag = try #require(reply.headers["etag"])
            #expect(try await client.raw("/", headers: ["If-None-Match": etag]).status == 304)
        }
    }

    @Test func withoutSamplesEveryBeachSaysWeCannotSay() async throws {
        try await daemonInMemory { client, daemon in
            let home = try await page(client, "/")
            for beach in daemon.configuration.beaches { #expect(home.contains(escaped(beach.name))) }
            #expect(home.components(separatedBy: "Nous ne pouvons pas dire").count - 1 == 6)
            #expect(!home.contains("Baignade conseillée"))
            #expect(home.contains("Aucun prélèvement récent"))
            let beach = try await page(client, "/beaches/cote-des-basques")
            #expect(
                beach.contains("nous ne pouvons pas dire si l&#39;eau est bonne")
                    || beach.contains("nous ne pouvons pas dire si l'eau est bonne"))
            #expect(try await client.raw("/beaches/nowhere").status == 404)
        }
    }

    @Test func aDischargeIsSaidInPlainWordsWithItsOutfall() async throws {
        try await daemonInMemory { client, daemon in
            let time = Timestamp.now.adding(seconds: -600)
            let samples = ["grande-plage", "port-vieux", "miramar"].map {
                Reading(sensor: SensorID("probe-\($0)"), metric: .ecoli, time: time, value: 40, received: time)
            }
            let spill = Reading(
                sensor: "outfall-port-vieux", metric: .overflowState, time: time.adding(seconds: 60), value: 1,
                received: time)
            _ = try daemon.store.append(samples + [spill])
            try daemon.alerts.ingest(samples + [spill])
            let home = try await page(client, "/")
            #expect(home.components(separatedBy: "Baignade déconseillée").count - 1 == 2)
            #expect(home.contains("Rejet d&#39;eaux usées en cours (Déversoir du Port Vieux)"))
            #expect(home.contains("Baignade conseillée"), "Miramar's good sample")
            let english = try await page(client, "/beaches/grande-plage?lang=en")
            #expect(english.contains("Swimming not advised"))
            #expect(english.contains("Sewage discharge at Déversoir du Port Vieux since today at"))
            #expect(english.contains("Storm overflows") && english.contains("discharging since today at"))
            #expect(english.contains("E. coli: 40 CFU/100 mL"))
        }
    }

    @Test func theParkingFormFiltersAsAPlainForm() async throws {
        try await daemonInMemory { client, daemon in
            let all = try await page(client, "/")
            for carPark in daemon.configuration.carParks { #expect(all.contains(escaped(carPark.name))) }
            let free = try await page(client, "/?free=1")
            let freeNames = daemon.configuration.carParks.filter { !$0.hasFee }.map { escaped($0.name) }
            let paidNames = daemon.configuration.carParks.filter(\.hasFee).map { escaped($0.name) }
            #expect(freeNames.allSatisfy { free.contains($0) } && paidNames.allSatisfy { !free.contains("\($0)</a>") })
            #expect(free.contains("id=\"free\" name=\"free\" value=\"1\" checked"))
            // 1.95 m: the 1.90 m barriers leave the van out; "2,10" and "2.10" read alike.
            let tall = try await page(client, "/?height=1,95")
            #expect(!tall.contains("Parking du Casino</a>") && tall.contains("Parking Clemenceau</a>"))
            #expect(
                try await page(client, "/?height=2.10")
                    == (try await page(client, "/?height=2,10")).replacingOccurrences(
                        of: "value=\"2,10\"", with: "value=\"2.10\""))
            // A height that cannot be read is said so, next to its field; the list is not filtered by it.
            let typo = try await page(client, "/?height=abc")
            #expect(typo.contains("aria-invalid=\"true\"") && typo.contains("Hauteur non comprise"))
            #expect(typo.contains("Parking du Casino</a>"))
            // Near a district: nearest first, with the distance.
            let near = try await page(client, "/?near=iraty-aguilera")
            let iraty = try #require(near.range(of: "Halle d&#39;Iraty")?.lowerBound)
            let casino = try #require(near.range(of: "Parking du Casino</a>")?.lowerBound)
            #expect(iraty < casino && near.contains("<option value=\"iraty-aguilera\" selected>"))
            #expect(near.contains("class=\"distance\""))
            // A position from the browser is bounded: out of range, it is ignored.
            #expect(try await page(client, "/?near=here&lat=91&lon=0").contains("Parking du Casino"))
            let carPark = try await page(client, "/parking/casino")
            #expect(
                carPark.contains("Hauteur maximale 1,90 m") && carPark.contains("8 places pour personnes handicapées"))
            #expect(try await client.raw("/parking/nowhere").status == 404)
        }
    }

    @Test func assetsAreCachedForAYearAndTheFirstViewIsSmall() async throws {
        try await daemonInMemory { client, _ in
            let home = try await client.raw("/", headers: ["Accept-Encoding": "gzip"])
            #expect(
                String(decoding: try await client.raw("/").body, as: UTF8.self).contains(
                    "/assets/page.css?v=\(PublicPage.assetVersion)"))
            var transferred = home.body.count
            for (name, type) in [("page.css", "text/css"), ("live.js", "text/javascript")] {
                let asset = try await client.raw("/assets/\(name)", headers: ["Accept-Encoding": "gzip"])
                #expect(asset.status == 200 && asset.headers["content-type"]?.hasPrefix(type) == true)
                #expect(asset.headers["cache-control"] == "public, max-age=31536000, immutable")
                transferred += asset.body.count
            }
            // A first view, compressed: under 50 KB (the budget).
            #expect(transferred < 50_000, "\(transferred) bytes")
            #expect(try await client.raw("/assets/other.js").status == 404)
        }
    }

    /// A city of more than 30 beaches shows a district's beaches at a time, with links to the others.
    @Test func aLargeCityShowsADistrictAtATime() async throws {
        var toml = "[city]\nname = \"Large\"\n"
        for district in 0..<3 { toml += "[[districts]]\nid = \"d\(district)\"\nname = \"District \(district)\"\n" }
        for index in 0..<45 {
            toml += "[[beaches]]\nid = \"b\(index)\"\nname = \"Beach \(index)\"\nlatitude = 43.4\n"
            toml += "longitude = -1.5\ndistrict = \"d\(index % 3)\"\n"
        }
        let directory = try makeTemporaryDirectory(prefix: "cityfeeds-large-page")
        let configuration = try DaemonConfiguration.parse(
            toml, file: "large.toml",
            overrides: .init(broker: "mqtt://127.0.0.1:1", httpListen: "127.0.0.1:0", dataDirectory: directory.path))
        let daemon = try Daemon(configuration: configuration, logger: Logger(label: "large-page"))
        defer { daemon.close() }
        let client = RouterClient(responder: daemon.responder)
        let first = try await page(client, "/")
        #expect(first.contains(">Beach 0</a>") && first.contains(">Beach 3</a>") && !first.contains(">Beach 1</a>"))
        #expect(first.components(separatedBy: "class=\"card ").count - 1 == 15)
        #expect(first.contains("district=d1#beaches"))
        let second = try await page(client, "/?district=d1")
        #expect(second.contains(">Beach 1</a>") && !second.contains(">Beach 0</a>"))
        #expect(second.contains("district=d1#beaches\" aria-current=\"page\""))
    }

    @Test func bothLanguagesHaveEveryText() throws {
        let page = try PublicPage()
        #expect(Set(page.wording(.fr).texts.keys) == Set(page.wording(.en).texts.keys))
        #expect(PageLanguage.negotiate(parameter: nil, acceptLanguage: "en;q=0, fr;q=0.1") == .fr)
        #expect(PageLanguage.negotiate(parameter: nil, acceptLanguage: "fr;q=0.2, en;q=0.9") == .en)
        #expect(PageLanguage.negotiate(parameter: "EN", acceptLanguage: nil) == .en)
        #expect(PageLanguage.negotiate(parameter: "xx", acceptLanguage: "en") == .en)
    }
}
