/// The functions libpq calls through the FunctionCall message (its large-object interface), by
/// their OIDs in PostgreSQL's catalog (`pg_proc`; fixed built-in OIDs, the same on every version).
public enum BuiltinFunction {
    /// The function's name, or nil for an OID that is not one of these.
    public static func name(oid: UInt32) -> String? {
        switch oid {
        case 715: "lo_create"
        case 952: "lo_open"
        case 953: "lo_close"
        case 954: "loread"
        case 955: "lowrite"
        case 956: "lo_lseek"
        case 957: "lo_creat"
        case 958: "lo_tell"
        case 964: "lo_unlink"
        case 1004: "lo_truncate"
        case 3170: "lo_lseek64"
        case 3171: "lo_tell64"
        case 3172: "lo_truncate64"
        default: nil
        }
    }
}
