import Foundation
import TaskPulseDomain
import Testing

@testable import TaskPulseTiming

@Suite("Guessing a time zone from a phone number")
struct PhoneZoneGuessTests {
    @Test(
        "North American numbers go by area code",
        arguments: [
            ("+13125550100", "America/Chicago"), ("+17735550100", "America/Chicago"),
            ("+12125550100", "America/New_York"), ("+12135550100", "America/Los_Angeles"),
            ("+13105550100", "America/Los_Angeles"), ("+13035550100", "America/Denver"),
            ("+16025550100", "America/Phoenix"), ("+19075550100", "America/Anchorage"),
            ("+18085550100", "Pacific/Honolulu"), ("+14165550100", "America/Toronto"),
            ("+16045550100", "America/Vancouver"), ("+19025550100", "America/Halifax"),
            ("+17095550100", "America/St_Johns"), ("+17875550100", "America/Puerto_Rico"),
            ("+13065550100", "America/Regina"), ("+14035550100", "America/Edmonton"),
            ("+12045550100", "America/Winnipeg"), ("+18505550100", "America/Chicago"),
        ])
    func areaCodes(number: String, zone: String) {
        #expect(PhoneZoneGuess.zone(for: Phone(number)!) == zone)
    }

    @Test(
        "other numbers go by the longest known country code",
        arguments: [
            ("+442071838750", "Europe/London"), ("+4930123456789", "Europe/Berlin"),
            ("+919812345678", "Asia/Kolkata"), ("+353861234567", "Europe/Dublin"),
            ("+351912345678", "Europe/Lisbon"), ("+33612345678", "Europe/Paris"),
            ("+61412345678", "Australia/Sydney"), ("+5511912345678", "America/Sao_Paulo"),
            ("+79161234567", "Europe/Moscow"), ("+97150123456", "Asia/Dubai"),
        ])
    func countryCodes(number: String, zone: String) {
        #expect(PhoneZoneGuess.zone(for: Phone(number)!) == zone)
    }

    @Test("Ireland's +353 is not read as a shorter code")
    func longestPrefix() {
        #expect(PhoneZoneGuess.countryZones["35"] == nil)
        #expect(PhoneZoneGuess.countryZones["3"] == nil)
        #expect(PhoneZoneGuess.zone(for: Phone("+353 86 123 4567")!) == "Europe/Dublin")
    }

    @Test("unknown country and non-geographic area codes give no guess")
    func unknown() {
        #expect(PhoneZoneGuess.zone(for: Phone("+99912345678")!) == nil)
        #expect(PhoneZoneGuess.zone(for: Phone("+18005550100")!) == nil)
    }

    @Test("the tables: about 400 area codes listed once each, 60+ countries, every zone a real IANA id")
    func tables() {
        let listed = PhoneZoneGuess.areaCodesByZone.values.flatMap { $0.split(whereSeparator: { $0.isWhitespace }) }
        #expect(listed.count == PhoneZoneGuess.areaCodeZones.count)
        #expect(PhoneZoneGuess.areaCodeZones.count >= 400)
        for code in PhoneZoneGuess.areaCodeZones.keys {
            #expect(code.count == 3 && Int(code) != nil, "\(code)")
        }
        #expect(PhoneZoneGuess.countryZones.count >= 60)
        let zones = Set(PhoneZoneGuess.areaCodeZones.values).union(PhoneZoneGuess.countryZones.values)
        for zone in zones {
            #expect(TimeZone(identifier: zone) != nil, "\(zone)")
        }
    }

    @Test(
        "short zone names for replies",
        arguments: [
            ("America/Chicago", "Central"), ("America/New_York", "Eastern"), ("America/Denver", "Mountain"),
            ("America/Los_Angeles", "Pacific"), ("America/Phoenix", "Arizona"), ("America/Anchorage", "Alaska"),
            ("Pacific/Honolulu", "Hawaii"), ("America/Halifax", "Atlantic"), ("America/St_Johns", "Newfoundland"),
            ("Europe/London", "London"), ("America/Sao_Paulo", "Sao Paulo"),
            ("America/Argentina/Buenos_Aires", "Buenos Aires"), ("UTC", "UTC"),
        ])
    func zoneNames(identifier: String, name: String) {
        #expect(PhoneZoneGuess.zoneName(identifier) == name)
    }
}
