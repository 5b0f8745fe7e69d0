import GRDB

/// The SQLite schema. A shipped migration never changes: add a new one (GRDB Migrations guide).
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-walking-skeleton") { db in
            try db.execute(
                sql: """
                    CREATE TABLE users (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        phone TEXT NOT NULL UNIQUE,
                        time_zone TEXT NOT NULL,
                        opted_out_at REAL,
                        number_invalid_at REAL,
                        created_at REAL NOT NULL
                    );
                    CREATE TABLE tasks (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        number INTEGER NOT NULL,
                        title TEXT NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('open', 'done', 'deleted')),
                        priority INTEGER CHECK (priority IN (1, 2, 3)),
                        due_at REAL,
                        remind_at REAL,
                        time_zone TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        completed_at REAL
                    );
                    CREATE UNIQUE INDEX tasks_open_number ON tasks(user_id, number) WHERE status = 'open';
                    CREATE INDEX tasks_user_status ON tasks(user_id, status);
                    CREATE TABLE deliveries (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        task_id INTEGER REFERENCES tasks(id) ON DELETE SET NULL,
                        kind TEXT NOT NULL,
                        channel TEXT NOT NULL DEFAULT 'sms',
                        due_at REAL NOT NULL,
                        status TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        lease_until REAL,
                        body TEXT,
                        provider_message_id TEXT,
                        error_code TEXT,
                        error_message TEXT,
                        sent_at REAL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    CREATE INDEX deliveries_due ON deliveries(due_at) WHERE status = 'pending';
                    CREATE INDEX deliveries_leased ON deliveries(lease_until) WHERE status = 'sending';
                    CREATE INDEX deliveries_user ON deliveries(user_id, id);
                    CREATE INDEX deliveries_task ON deliveries(task_id) WHERE task_id IS NOT NULL;
                    CREATE TABLE inbound_messages (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        message_sid TEXT NOT NULL UNIQUE,
                        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        body TEXT NOT NULL,
                        reply TEXT NOT NULL,
                        received_at REAL NOT NULL
                    );
                    CREATE INDEX inbound_user ON inbound_messages(user_id, id);
                    CREATE TABLE undo_entries (
                        user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                        action TEXT NOT NULL,
                        task_ids TEXT NOT NULL,
                        created_at REAL NOT NULL
                    );
                    CREATE TABLE consent_events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        phone TEXT NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('opt_out', 'opt_in')),
                        source TEXT NOT NULL,
                        wording TEXT,
                        at REAL NOT NULL
                    );
                    CREATE INDEX consent_phone ON consent_events(phone, id);
                    """)
        }
        return migrator
    }
}
