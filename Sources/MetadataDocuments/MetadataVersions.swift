import Foundation

/// The metadata API's dated versions (`nova/api/metadata/base.py` VERSIONS and OPENSTACK_VERSIONS).
public enum MetadataVersions {
    public static let ec2 = ["1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10", "2007-12-15",
                             "2008-02-01", "2008-09-01", "2009-04-04"]
    public static let openstack = ["2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30",
                                   "2016-10-06", "2017-02-22", "2018-08-27", "2020-10-14", "2025-04-04"]

    // The OpenStack versions where a document or key appears (Nova's release names).
    static let grizzly = "2013-04-04"
    static let havana = "2013-10-17"
    static let liberty = "2015-10-15"
    static let newtonOne = "2016-06-30"
    static let newtonTwo = "2016-10-06"
    static let victoria = "2020-10-14"

    /// `/openstack`: versions dated after `today` are hidden, then `latest`.
    public static func openstackListing(today: Date = Date()) -> [String] {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        let day = f.string(from: today)
        return openstack.filter { $0 <= day } + ["latest"]
    }

    /// `/`: every EC2 version, then `latest`.
    public static var ec2Listing: [String] { ec2 + ["latest"] }

    /// Whether OpenStack `requested` (a date or `latest`) is at least `required`; nil for an unknown version.
    static func openstack(_ requested: String, atLeast required: String) -> Bool? {
        if requested == "latest" { return true }
        guard let r = openstack.firstIndex(of: requested), let q = openstack.firstIndex(of: required) else { return nil }
        return r >= q
    }

    /// Whether EC2 `requested` (already resolved from `latest`) is at least `required`.
    static func ec2(_ requested: String, atLeast required: String) -> Bool {
        guard let r = ec2.firstIndex(of: requested), let q = ec2.firstIndex(of: required) else { return false }
        return r >= q
    }
}
