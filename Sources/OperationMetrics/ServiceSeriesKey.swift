/// A service's series over all its processes.
struct ServiceSeriesKey: Hashable {
    var service: String
    var key: OperationSeriesKey
}
