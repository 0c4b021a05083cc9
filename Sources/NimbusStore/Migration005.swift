import GRDB

extension Migrations {
    /// Change tracking for the scheduler's in-memory host states (docs/scheduler.md): one counter row
    /// `scheduler_changes` and triggers that stamp every change the host states depend on.
    ///
    /// - `seq` grows with every tracked change. A changed compute node (usage, inventory, failed builds, or an
    ///   instance arriving on / leaving it / changing state) and a changed service row get `change_seq = seq`,
    ///   so a scheduler reads only the rows with `change_seq` above what it last saw (indexed).
    /// - `epoch` grows when nodes or services are added or removed: the scheduler reloads everything.
    /// - `aggregates` grows with any aggregate, aggregate host or metadata change: it reloads the aggregates.
    ///
    /// SQLite runs one writer at a time, so `seq` is assigned in commit order: a read transaction that sees
    /// `seq = S` sees every change stamped ≤ S and none above.
    static func schedulerChangeTracking(_ db: Database) throws {
        var sql = """
            CREATE TABLE scheduler_changes (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                seq INTEGER NOT NULL, epoch INTEGER NOT NULL, aggregates INTEGER NOT NULL
            );
            INSERT INTO scheduler_changes (id, seq, epoch, aggregates) VALUES (1, 0, 0, 0);
            ALTER TABLE compute_nodes ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE services ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
            CREATE INDEX compute_nodes_change_seq ON compute_nodes(change_seq);
            CREATE INDEX services_change_seq ON services(change_seq);
            CREATE INDEX instances_node ON instances(deleted, node);

            CREATE TRIGGER compute_nodes_sched_update AFTER UPDATE ON compute_nodes
            WHEN NEW.change_seq IS OLD.change_seq BEGIN
                UPDATE scheduler_changes SET seq = seq + 1;
                UPDATE compute_nodes SET change_seq = (SELECT seq FROM scheduler_changes) WHERE rowid = NEW.rowid;
            END;
            CREATE TRIGGER services_sched_update AFTER UPDATE ON services
            WHEN NEW.change_seq IS OLD.change_seq BEGIN
                UPDATE scheduler_changes SET seq = seq + 1;
                UPDATE services SET change_seq = (SELECT seq FROM scheduler_changes) WHERE rowid = NEW.rowid;
            END;

            CREATE TRIGGER instances_sched_insert AFTER INSERT ON instances WHEN NEW.node IS NOT NULL BEGIN
                UPDATE scheduler_changes SET seq = seq + 1;
                UPDATE compute_nodes SET change_seq = (SELECT seq FROM scheduler_changes)
                WHERE hypervisor_hostname = NEW.node;
            END;
            CREATE TRIGGER instances_sched_update AFTER UPDATE OF node, deleted, vm_state, task_state ON instances
            WHEN (OLD.node IS NOT NULL OR NEW.node IS NOT NULL) AND (OLD.node IS NOT NEW.node
                OR OLD.deleted IS NOT NEW.deleted OR OLD.vm_state IS NOT NEW.vm_state
                OR OLD.task_state IS NOT NEW.task_state) BEGIN
                UPDATE scheduler_changes SET seq = seq + 1;
                UPDATE compute_nodes SET change_seq = (SELECT seq FROM scheduler_changes)
                WHERE hypervisor_hostname IN (OLD.node, NEW.node);
            END;
            CREATE TRIGGER instances_sched_delete AFTER DELETE ON instances WHEN OLD.node IS NOT NULL BEGIN
                UPDATE scheduler_changes SET seq = seq + 1;
                UPDATE compute_nodes SET change_seq = (SELECT seq FROM scheduler_changes)
                WHERE hypervisor_hostname = OLD.node;
            END;

            """
        for table in ["compute_nodes", "services"] {
            for event in ["INSERT", "DELETE"] {
                sql += """
                    CREATE TRIGGER \(table)_sched_\(event.lowercased()) AFTER \(event) ON \(table) BEGIN
                        UPDATE scheduler_changes SET seq = seq + 1, epoch = epoch + 1;
                    END;

                    """
            }
        }
        for table in ["aggregates", "aggregate_hosts", "aggregate_metadata"] {
            for event in ["INSERT", "UPDATE", "DELETE"] {
                sql += """
                    CREATE TRIGGER \(table)_sched_\(event.lowercased()) AFTER \(event) ON \(table) BEGIN
                        UPDATE scheduler_changes SET seq = seq + 1, aggregates = aggregates + 1;
                    END;

                    """
            }
        }
        try db.execute(sql: sql)
    }
}
