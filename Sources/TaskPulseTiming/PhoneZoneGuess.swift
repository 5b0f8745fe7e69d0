import TaskPulseDomain

/// Guesses a person's IANA time zone from their phone number, for a new person who has not set one.
///
/// North American numbers (+1) go by area code; other numbers by country calling code, the longest
/// of 1 to 3 digits that is known, to the country's main or capital zone. It is only a guess: an
/// area code or country that spans zones gets the zone most of its people live in, and the
/// person can always change it with `tz`.
public enum PhoneZoneGuess {
    /// The IANA zone id guessed for `phone`, or `nil` when its area code or country code is unknown.
    public static func zone(for phone: Phone) -> String? {
        let digits = phone.e164.dropFirst()  // the leading "+"
        if digits.hasPrefix("1") {
            let areaCode = digits.dropFirst().prefix(3)
            guard areaCode.count == 3 else { return nil }
            return areaCodeZones[String(areaCode)]
        }
        for length in stride(from: 3, through: 1, by: -1) where digits.count > length {
            if let zone = countryZones[String(digits.prefix(length))] { return zone }
        }
        return nil
    }

    /// A short name for a zone in a reply: "Central" for America/Chicago, "Hawaii" for
    /// Pacific/Honolulu, otherwise the city part with spaces ("London", "Sao Paulo").
    public static func zoneName(_ identifier: String) -> String {
        if let name = commonNames[identifier] { return name }
        let city = identifier.split(separator: "/").last.map(String.init) ?? identifier
        return String(city.map { $0 == "_" ? " " : $0 })
    }

    /// Names North Americans use for their zones; Canadian zones share the US names of the same clock.
    static let commonNames: [String: String] = [
        "America/New_York": "Eastern", "America/Detroit": "Eastern", "America/Toronto": "Eastern",
        "America/Chicago": "Central", "America/Winnipeg": "Central", "America/Denver": "Mountain",
        "America/Boise": "Mountain", "America/Edmonton": "Mountain", "America/Phoenix": "Arizona",
        "America/Los_Angeles": "Pacific", "America/Vancouver": "Pacific", "America/Anchorage": "Alaska",
        "Pacific/Honolulu": "Hawaii", "America/Halifax": "Atlantic", "America/St_Johns": "Newfoundland",
    ]

    /// Each area code's zone, from ``areaCodesByZone``.
    static let areaCodeZones: [String: String] = {
        var map: [String: String] = [:]
        for (zone, codes) in areaCodesByZone {
            for code in codes.split(whereSeparator: { $0.isWhitespace }) { map[String(code)] = zone }
        }
        return map
    }()

    /// Geographic area codes of the North American Numbering Plan by zone, as space-separated lists.
    ///
    /// Every current US, US-territory and Canadian code, including overlays, then the other
    /// countries of the plan. Where a code spans zones it takes the zone of most of its people: 219
    /// (Gary) and 270/364 (western Kentucky) are Central, 423 (Chattanooga) is Eastern, 850/448
    /// (Florida panhandle, Pensacola to Panama City) are Central, 605 and 701 (the Dakotas) are
    /// Central, 208/986 (Boise) are Mountain, 709/879 (Newfoundland) are Newfoundland time and 867
    /// (the territories) is Yukon time.
    static let areaCodesByZone: [String: String] = [
        "America/New_York": """
        201 202 203 207 212 215 216 220 223 227 229 231 234 239 240 248 252 260 267 269 272 276 283 301 302 304 305
        313 315 317 321 324 326 329 330 332 336 339 347 351 352 363 380 386 401 404 407 410 412 413 419 423 434 436
        440 443 445 463 470 472 475 478 484 502 508 513 516 517 518 540 551 561 567 570 571 574 582 585 586 603 606
        607 609 610 614 616 617 624 631 640 645 646 656 667 678 680 681 686 689 703 704 706 716 717 718 724 727 728
        732 734 740 743 754 757 762 765 770 771 772 774 781 786 802 803 804 810 812 813 814 821 826 828 835 838 839
        843 845 848 854 856 857 859 860 862 863 864 865 878 904 906 908 910 912 914 917 919 929 930 934 937 941 943
        947 948 954 959 973 978 980 984 989
        """,
        "America/Chicago": """
        205 210 214 217 218 219 224 225 228 235 251 254 256 262 270 274 281 308 309 312 314 316 318 319 320 325 327
        331 334 337 346 353 361 364 402 405 409 414 417 430 432 447 448 464 469 479 501 504 507 512 515 531 534 539
        557 563 572 573 580 601 605 608 612 615 618 620 629 630 636 641 651 659 660 662 682 701 708 712 713 715 726
        730 731 737 763 769 773 779 785 806 815 816 817 830 832 847 850 861 870 872 901 903 913 918 920 931 936 938
        940 945 952 956 972 975 979 985
        """,
        "America/Denver": "208 303 307 385 406 435 505 575 719 720 748 801 915 970 983 986",
        "America/Phoenix": "480 520 602 623 928",
        "America/Los_Angeles": """
        206 209 213 253 279 310 323 341 350 357 360 369 408 415 424 425 442 458 503 509 510 530 541 559 562 564 619
        626 628 650 657 661 669 702 707 714 725 738 747 760 775 805 818 820 831 840 858 909 916 925 949 951 971
        """,
        "America/Anchorage": "907",
        "Pacific/Honolulu": "808",
        "America/Toronto": """
        226 249 263 289 343 354 365 367 382 416 418 437 438 450 468 514 519 548 579 581 613 647 683 705 742 753 807
        819 873 905 942
        """,
        "America/Winnipeg": "204 431 584",
        "America/Regina": "306 474 639",
        "America/Edmonton": "368 403 587 780 825",
        "America/Vancouver": "236 250 257 604 672 778",
        "America/Whitehorse": "867",
        "America/Halifax": "428 506 782 902",
        "America/St_Johns": "709 879",
        "America/Puerto_Rico": "787 939",
        "America/St_Thomas": "340",
        "Pacific/Guam": "671",
        "Pacific/Saipan": "670",
        "Pacific/Pago_Pago": "684",
        // Other countries and territories of the plan.
        "America/Nassau": "242", "America/Barbados": "246", "America/Anguilla": "264", "America/Antigua": "268",
        "America/Tortola": "284", "America/Cayman": "345", "Atlantic/Bermuda": "441", "America/Grenada": "473",
        "America/Grand_Turk": "649", "America/Jamaica": "658 876", "America/Montserrat": "664",
        "America/Lower_Princes": "721", "America/St_Lucia": "758", "America/Dominica": "767",
        "America/St_Vincent": "784", "America/Santo_Domingo": "809 829 849", "America/Port_of_Spain": "868",
        "America/St_Kitts": "869",
    ]

    /// Country calling codes (outside +1) to the country's main or capital zone.
    static let countryZones: [String: String] = [
        // Africa
        "20": "Africa/Cairo", "211": "Africa/Juba", "212": "Africa/Casablanca", "213": "Africa/Algiers",
        "216": "Africa/Tunis", "218": "Africa/Tripoli", "220": "Africa/Banjul", "221": "Africa/Dakar",
        "223": "Africa/Bamako", "224": "Africa/Conakry", "225": "Africa/Abidjan", "226": "Africa/Ouagadougou",
        "227": "Africa/Niamey", "228": "Africa/Lome", "229": "Africa/Porto-Novo", "230": "Indian/Mauritius",
        "231": "Africa/Monrovia", "232": "Africa/Freetown", "233": "Africa/Accra", "234": "Africa/Lagos",
        "235": "Africa/Ndjamena", "236": "Africa/Bangui", "237": "Africa/Douala", "238": "Atlantic/Cape_Verde",
        "240": "Africa/Malabo", "241": "Africa/Libreville", "242": "Africa/Brazzaville", "243": "Africa/Kinshasa",
        "244": "Africa/Luanda", "248": "Indian/Mahe", "249": "Africa/Khartoum", "250": "Africa/Kigali",
        "251": "Africa/Addis_Ababa", "252": "Africa/Mogadishu", "253": "Africa/Djibouti", "254": "Africa/Nairobi",
        "255": "Africa/Dar_es_Salaam", "256": "Africa/Kampala", "257": "Africa/Bujumbura", "258": "Africa/Maputo",
        "260": "Africa/Lusaka", "261": "Indian/Antananarivo", "263": "Africa/Harare", "264": "Africa/Windhoek",
        "265": "Africa/Blantyre", "266": "Africa/Maseru", "267": "Africa/Gaborone", "268": "Africa/Mbabane",
        "27": "Africa/Johannesburg",
        // Europe
        "30": "Europe/Athens", "31": "Europe/Amsterdam", "32": "Europe/Brussels", "33": "Europe/Paris",
        "34": "Europe/Madrid", "350": "Europe/Gibraltar", "351": "Europe/Lisbon", "352": "Europe/Luxembourg",
        "353": "Europe/Dublin", "354": "Atlantic/Reykjavik", "355": "Europe/Tirane", "356": "Europe/Malta",
        "357": "Asia/Nicosia", "358": "Europe/Helsinki", "359": "Europe/Sofia", "36": "Europe/Budapest",
        "370": "Europe/Vilnius", "371": "Europe/Riga", "372": "Europe/Tallinn", "373": "Europe/Chisinau",
        "374": "Asia/Yerevan", "375": "Europe/Minsk", "376": "Europe/Andorra", "377": "Europe/Monaco",
        "378": "Europe/San_Marino", "380": "Europe/Kyiv", "381": "Europe/Belgrade", "382": "Europe/Podgorica",
        "383": "Europe/Belgrade", "385": "Europe/Zagreb", "386": "Europe/Ljubljana", "387": "Europe/Sarajevo",
        "389": "Europe/Skopje", "39": "Europe/Rome", "40": "Europe/Bucharest", "41": "Europe/Zurich",
        "420": "Europe/Prague", "421": "Europe/Bratislava", "423": "Europe/Vaduz", "43": "Europe/Vienna",
        "44": "Europe/London", "45": "Europe/Copenhagen", "46": "Europe/Stockholm", "47": "Europe/Oslo",
        "48": "Europe/Warsaw", "49": "Europe/Berlin",
        // Central and South America
        "500": "Atlantic/Stanley", "501": "America/Belize", "502": "America/Guatemala", "503": "America/El_Salvador",
        "504": "America/Tegucigalpa", "505": "America/Managua", "506": "America/Costa_Rica", "507": "America/Panama",
        "509": "America/Port-au-Prince", "51": "America/Lima", "52": "America/Mexico_City", "53": "America/Havana",
        "54": "America/Argentina/Buenos_Aires", "55": "America/Sao_Paulo", "56": "America/Santiago",
        "57": "America/Bogota", "58": "America/Caracas", "591": "America/La_Paz", "592": "America/Guyana",
        "593": "America/Guayaquil", "595": "America/Asuncion", "597": "America/Paramaribo", "598": "America/Montevideo",
        // Southeast Asia and Oceania
        "60": "Asia/Kuala_Lumpur", "61": "Australia/Sydney", "62": "Asia/Jakarta", "63": "Asia/Manila",
        "64": "Pacific/Auckland", "65": "Asia/Singapore", "66": "Asia/Bangkok", "670": "Asia/Dili",
        "673": "Asia/Brunei", "675": "Pacific/Port_Moresby", "679": "Pacific/Fiji",
        // Russia, and Kazakhstan's numbers within +7
        "7": "Europe/Moscow", "76": "Asia/Almaty", "77": "Asia/Almaty",
        // East Asia
        "81": "Asia/Tokyo", "82": "Asia/Seoul", "84": "Asia/Ho_Chi_Minh", "852": "Asia/Hong_Kong", "853": "Asia/Macau",
        "855": "Asia/Phnom_Penh", "856": "Asia/Vientiane", "86": "Asia/Shanghai", "880": "Asia/Dhaka",
        "886": "Asia/Taipei",
        // South, West and Central Asia
        "90": "Europe/Istanbul", "91": "Asia/Kolkata", "92": "Asia/Karachi", "93": "Asia/Kabul", "94": "Asia/Colombo",
        "95": "Asia/Yangon", "960": "Indian/Maldives", "961": "Asia/Beirut", "962": "Asia/Amman",
        "963": "Asia/Damascus", "964": "Asia/Baghdad", "965": "Asia/Kuwait", "966": "Asia/Riyadh", "967": "Asia/Aden",
        "968": "Asia/Muscat", "970": "Asia/Gaza", "971": "Asia/Dubai", "972": "Asia/Jerusalem", "973": "Asia/Bahrain",
        "974": "Asia/Qatar", "975": "Asia/Thimphu", "976": "Asia/Ulaanbaatar", "977": "Asia/Kathmandu",
        "98": "Asia/Tehran", "992": "Asia/Dushanbe", "993": "Asia/Ashgabat", "994": "Asia/Baku", "995": "Asia/Tbilisi",
        "996": "Asia/Bishkek", "998": "Asia/Tashkent",
    ]
}
