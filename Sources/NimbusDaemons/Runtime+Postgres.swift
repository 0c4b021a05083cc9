import NimbusKernel
import NimbusStore
import NimbusStorePostgres

extension NimbusRuntime {
    /// `[database] connection` when it names PostgreSQL (`postgresql://…`), else nil.
    public var postgresConnection: String? {
        let c = DaemonOptions.databaseConnection.read(config)
        return PostgresURL.isPostgres(c) ? c : nil
    }

    /// Why a daemon cannot run on PostgreSQL yet: its engine implements the schema history and the claims area
    /// (`ClaimStore`), not the rest of the store, so only `nimbus manage db sync|version` accept it today.
    static let postgresNotYet = StoreError.conflict("""
        [database] connection names PostgreSQL: this build's PostgreSQL engine serves `nimbus manage db sync` and \
        `db version` and the claims area only; the daemons still need sqlite:///path (the default)
        """)
}
