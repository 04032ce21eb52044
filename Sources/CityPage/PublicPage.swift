import Alerts
import Beaches
import CityCore
import FeedCore
import Foundation
import Mustache
import Parking

/// The public page for residents and visitors (`/`, `/beaches/{id}`, `/parking/{id}`): HTML rendered on the server
/// from the same domain values as the API, so it works without JavaScript, in French or English.
///
/// Each beach says first, in plain words, whether swimming is advised and why, then the evidence; an unknown is
/// said as unknown, never as safe. Each status has an icon and words besides its colour.
package struct PublicPage: Sendable {
    private let library: MustacheLibrary
    private let wordings: [PageLanguage: Wording]

    /// The style sheet and the script, by name, with their content types. Served with long cache lifetimes:
    /// their URLs carry `assetVersion`, which changes with their content.
    package static let assets: [String: (bytes: [UInt8], contentType: String)] = [
        "page.css": (PackageResources.page_css, "text/css; charset=utf-8"),
        "live.js": (PackageResources.live_js, "text/javascript; charset=utf-8"),
    ]

    /// A short hash of the assets' content (FNV-1a): part of their URLs, so a new version is fetched at once.
    package static let assetVersion: String = {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in PackageResources.page_css + PackageResources.live_js {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return String(hash % 0xFFFF_FFFF, radix: 16)
    }()

    /// The page with its templates and wording, from the resources built in.
    package init() throws {
        var library = MustacheLibrary()
        let templates: [(String, [UInt8])] = [
            ("layout", PackageResources.layout_mustache), ("home", PackageResources.home_mustache),
            ("beach", PackageResources.beach_mustache), ("carpark", PackageResources.carpark_mustache),
            ("beachCard", PackageResources.beachCard_mustache), ("carParkRow", PackageResources.carParkRow_mustache),
        ]
        for (name, bytes) in templates { try library.register(String(decoding: bytes, as: UTF8.self), named: name) }
        self.library = library
        wordings = [
            .fr: try Wording(json: PackageResources.fr_json), .en: try Wording(json: PackageResources.en_json),
        ]
    }

    /// The wording of `language`.
    func wording(_ language: PageLanguage) -> Wording { wordings[language]! }

    // MARK: Pages

    /// `/`: the beaches (of the chosen district when the city has districts and many beaches), then the car
    /// parks the form selects, nearest first when it has a position.
    package func home(_ status: CityStatus, query: PageQuery, language: PageLanguage, now: Timestamp) -> String {
        let words = wording(language)
        let text = PageText(words: words, language: language, timeZone: status.configuration.timeZone, now: now)
        let configuration = status.configuration
        // A city of a few dozen beaches shows them all; a larger one, a district's at a time.
        let districts = configuration.districts
        let chosen = districts.first { $0.id == query.district } ?? districts.first
        let showAll = configuration.beaches.count <= 30 || chosen == nil
        let shown: [BeachState]
        if showAll {
            shown = status.beaches(now: now)
        } else {
            // Only the district's beaches are assessed, their open alerts read once.
            let selected = chosen!.beaches.map { configuration.beaches[$0] }
            let open = status.openAlerts(concerning: Set(selected.map(\.id)))
            shown = selected.map { status.beach($0, inputs: status.inputs(of: $0, open: open[$0.id] ?? []), now: now) }
        }

        var places: [[String: Any]] = [
            ["id": "", "name": words("parking.form.anywhere"), "selected": query.near == nil]
        ]
        if query.position != nil {
            places.append(["id": "here", "name": words("parking.form.here"), "selected": query.near == "here"])
        }
        for district in districts where district.position(in: configuration) != nil {
            places.append(["id": district.id, "name": district.name, "selected": query.near == district.id])
        }
        let position =
            query.near.flatMap { near in
                districts.first { $0.id == near }?.position(in: configuration)
            } ?? query.position
        let parkingQuery = ParkingQuery(
            near: position.map {
                ParkingQuery.Circle(latitude: $0.latitude, longitude: $0.longitude, radiusMetres: 1e7)
            },
            freeOfCharge: query.freeOfCharge ? true : nil, vehicleHeightCentimetres: query.heightCentimetres)
        let carParks = status.carParks(parkingQuery, page: PageRequest(limit: 20), now: now).items

        let content: [String: Any] = [
            "lang": language.rawValue, "title": words("page.title", ["city": configuration.cityName]),
            "subtitle": words("page.subtitle"), "beachesHeading": words("beaches.heading"),
            "chooseDistrict": words("beaches.choose"), "hasDistricts": !showAll,
            "districts": showAll
                ? [] : districts.map { ["id": $0.id, "name": $0.name, "current": $0.id == chosen?.id] },
            "beaches": shown.map { beachCard($0, text) },
            "parkingHeading": words("parking.heading"), "formLegend": words("parking.form.legend"),
            "nearLabel": words("parking.form.near"), "places": places, "freeLabel": words("parking.form.free"),
            "freeOnly": query.freeOfCharge, "heightLabel": words("parking.form.height"),
            "heightHint": words("parking.form.heightHint"), "height": query.heightText ?? "",
            "heightError": query.heightIsInvalid ? words("parking.form.heightError") : false,
            "submitLabel": words("parking.form.submit"), "locateLabel": words("parking.form.locate"),
            "lat": query.position.map { String(format: "%.5f", $0.latitude) } ?? "",
            "lon": query.position.map { String(format: "%.5f", $0.longitude) } ?? "",
            "carParks": carParks.map { carParkRow($0, text) }, "noneLabel": words("parking.none"),
        ]
        return layout(
            render(content, "home"), title: words("page.title", ["city": configuration.cityName]),
            otherHref: "/?lang=\(language == .fr ? "en" : "fr")", status: status, text: text)
    }

    /// `/beaches/{id}`: the verdict and every piece of evidence behind it.
    package func beach(_ state: BeachState, status: CityStatus, language: PageLanguage, now: Timestamp) -> String {
        let words = wording(language)
        let text = PageText(words: words, language: language, timeZone: status.configuration.timeZone, now: now)
        let verdict = Verdict(state, text: text, maxSampleAgeSeconds: status.configuration.maxSampleAgeSeconds)
        var sample: [String: Any]?
        if let time = state.assessment.sampleTime, let quality = state.assessment.sampleQuality {
            sample = [
                "taken": words(
                    "beach.sample.taken",
                    ["when": text.time(time), "ago": text.ago(time), "quality": words("quality.\(quality.rawValue)")]),
                "values": [
                    state.ecoli.map { words("beach.sample.ecoli", ["value": text.number($0.value)]) },
                    state.enterococci.map { words("beach.sample.enterococci", ["value": text.number($0.value)]) },
                ].compactMap { $0 },
            ]
        }
        let outfalls = state.outfalls.map { outfall, condition in
            ["name": outfall.name, "state": text.outfallState(condition)]
        }
        let alerts = state.alerts.map { alert -> [String: String] in
            let since = words("beach.alert.since", ["since": text.time(alert.startedAt)])
            let until = alert.endsAt.map { words("beach.alert.until", ["until": text.time($0)]) }
            return ["summary": alert.summary, "when": [since, until].compactMap { $0 }.joined(separator: ", ")]
        }
        let content: [String: Any] = [
            "lang": language.rawValue, "home": words("page.home"), "name": state.beach.name,
            "status": verdict.status, "icon": verdict.icon, "verdict": verdict.words,
            "hasReasons": !verdict.reasons.isEmpty, "reasons": verdict.reasons.map(PageText.capitalized),
            "sampleHeading": words("beach.sample.heading"), "sample": sample ?? false,
            "sampleNone": words("beach.sample.none"), "outfallsHeading": words("beach.outfalls.heading"),
            "hasOutfalls": !outfalls.isEmpty, "outfalls": outfalls, "outfallsNone": words("beach.outfalls.none"),
            "alertsHeading": words("beach.alerts.heading"), "hasAlerts": !alerts.isEmpty, "alerts": alerts,
            "alertsNone": words("beach.alerts.none"), "orderHeading": words("beach.order.heading"),
            "order": state.override.map { PageText.capitalized(text.order($0)) } ?? words("beach.order.none"),
            "classificationHeading": words("beach.classification.heading"),
            "classification": state.classification.map { words("class.\($0.classification.waterClass.rawValue)") }
                ?? words("beach.classification.none"),
            "probeHeading": words("beach.probe.heading"), "probe": text.probe(state.probe),
        ]
        return layout(
            render(content, "beach"), title: "\(state.beach.name) — \(status.configuration.cityName)",
            otherHref: "/beaches/\(state.beach.id)?lang=\(language == .fr ? "en" : "fr")", status: status, text: text)
    }

    /// `/parking/{id}`: free spaces and their age, price, height, accessible and charging spaces, hours.
    package func carPark(_ state: CarParkState, status: CityStatus, language: PageLanguage, now: Timestamp) -> String {
        let words = wording(language)
        let text = PageText(words: words, language: language, timeZone: status.configuration.timeZone, now: now)
        var content = carParkRow(state, text)
        content["home"] = words("page.home")
        var facts = content["facts"] as? [String] ?? []
        if let hours = state.carPark.openingHours { facts.append(words("carpark.hours", ["hours": hours.description])) }
        if let address = state.carPark.address { facts.append(words("carpark.address", ["address": address])) }
        content["facts"] = facts
        return layout(
            render(content, "carpark"), title: "\(state.carPark.name) — \(status.configuration.cityName)",
            otherHref: "/parking/\(state.carPark.id)?lang=\(language == .fr ? "en" : "fr")", status: status,
            text: text)
    }

    // MARK: Parts

    private func beachCard(_ state: BeachState, _ text: PageText) -> [String: Any] {
        let verdict = Verdict(state, text: text, maxSampleAgeSeconds: nil)
        return [
            "id": state.beach.id, "name": state.beach.name, "status": verdict.status, "icon": verdict.icon,
            "verdict": verdict.words, "why": verdict.reasons.first.map(PageText.capitalized) ?? false,
        ]
    }

    private func carParkRow(_ state: CarParkState, _ text: PageText) -> [String: Any] {
        let words = text.words
        let carPark = state.carPark
        let availability = state.availability
        let (line, kind): (String, String) =
            if availability.status == .closed {
                (words("carpark.closed"), "closed")
            } else if availability.hasRealtimeData, let free = availability.free {
                free > 0 ? (words("carpark.free", ["free": String(free)]), "free") : (words("carpark.full"), "full")
            } else {
                (words("carpark.unknown"), "unknown")
            }
        var facts: [String] = []
        if !carPark.hasFee {
            facts.append(words("carpark.priceFree"))
        } else if let hour = carPark.tariffs.oneHour {
            facts.append(words("carpark.priceHour", ["price": text.number(hour, decimals: 2)]))
        } else {
            facts.append(words("carpark.pricePaid"))
        }
        facts.append(
            carPark.maxHeightCentimetres.map {
                words("carpark.height", ["height": text.number(Double($0) / 100, decimals: 2)])
            } ?? words("carpark.noHeight"))
        if let disabled = carPark.disabledSpaces, disabled > 0 {
            facts.append(words("carpark.disabled", ["count": String(disabled)]))
        }
        if let charging = carPark.evChargingSpaces, charging > 0 {
            facts.append(words("carpark.ev", ["count": String(charging)]))
        }
        facts.append(words("carpark.capacity", ["capacity": String(carPark.capacity)]))
        return [
            "id": carPark.id, "name": carPark.name, "availability": line, "availabilityClass": kind,
            "age": availability.hasRealtimeData
                ? availability.observedAt.map { words("carpark.age", ["ago": text.ago($0)]) } ?? false : false,
            "distance": state.distanceMetres.map { words("carpark.distance", ["distance": text.distance($0)]) }
                ?? false,
            "facts": facts, "lang": text.language.rawValue,
        ]
    }

    private func layout(
        _ content: String, title: String, otherHref: String, status: CityStatus, text: PageText
    ) -> String {
        let words = text.words
        let values: [String: Any] = [
            "lang": text.language.rawValue, "pageTitle": title, "assetVersion": Self.assetVersion,
            "otherLang": words("language.other.code"), "otherName": words("language.other.name"),
            "otherLabel": words("language.other.label"), "otherHref": otherHref, "skip": words("page.skip"),
            "city": status.configuration.cityName, "content": content, "footerMethod": words("page.footer.method"),
            "footerData": words("page.footer.data"), "updated": words("page.updated", ["time": text.time(text.now)]),
            "liveText": words("page.live"),
        ]
        return render(values, "layout")
    }

    private func render(_ values: [String: Any], _ template: String) -> String {
        library.render(values, withTemplate: template) ?? ""
    }
}

extension District {
    /// The middle of its car parks and beaches, for "near" searches; `nil` when it has none.
    func position(in configuration: DaemonConfiguration) -> (latitude: Double, longitude: Double)? {
        let points =
            carParks.map { (configuration.carParks[$0].latitude, configuration.carParks[$0].longitude) }
            + beaches.map { (configuration.beaches[$0].latitude, configuration.beaches[$0].longitude) }
        guard !points.isEmpty else { return nil }
        let count = Double(points.count)
        return (points.map(\.0).reduce(0, +) / count, points.map(\.1).reduce(0, +) / count)
    }
}
