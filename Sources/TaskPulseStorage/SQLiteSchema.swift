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
        migrator.registerMigration("v2-command-language") { db in
            try db.execute(
                sql: """
                    ALTER TABLE users ADD COLUMN morning_minutes INTEGER NOT NULL DEFAULT 540;
                    ALTER TABLE users ADD COLUMN morning_enabled INTEGER NOT NULL DEFAULT 1;
                    ALTER TABLE users ADD COLUMN evening_minutes INTEGER NOT NULL DEFAULT 1080;
                    ALTER TABLE users ADD COLUMN motivation_enabled INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE users ADD COLUMN weekly_enabled INTEGER NOT NULL DEFAULT 1;
                    ALTER TABLE users ADD COLUMN quiet_start_minutes INTEGER DEFAULT 1260;
                    ALTER TABLE users ADD COLUMN quiet_end_minutes INTEGER DEFAULT 480;
                    CREATE TABLE series (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        title TEXT NOT NULL,
                        priority INTEGER,
                        rrule TEXT NOT NULL,
                        time_minutes INTEGER NOT NULL,
                        time_zone TEXT NOT NULL,
                        anchor_day INTEGER NOT NULL,
                        occurrences INTEGER NOT NULL DEFAULT 0,
                        active INTEGER NOT NULL DEFAULT 1,
                        created_at REAL NOT NULL
                    );
                    CREATE TABLE tasks_v2 (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        number INTEGER NOT NULL,
                        title TEXT NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('open', 'done', 'deleted', 'missed', 'skipped')),
                        priority INTEGER CHECK (priority IN (1, 2, 3)),
                        due_at REAL,
                        remind_at REAL,
                        time_zone TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        completed_at REAL,
                        series_id INTEGER REFERENCES series(id) ON DELETE SET NULL
                    );
                    INSERT INTO tasks_v2 (id, user_id, number, title, status, priority, due_at, remind_at, time_zone,
                        created_at, updated_at, completed_at)
                    SELECT id, user_id, number, title, status, priority, due_at, remind_at, time_zone,
                        created_at, updated_at, completed_at FROM tasks;
                    DROP TABLE tasks;
                    ALTER TABLE tasks_v2 RENAME TO tasks;
                    CREATE UNIQUE INDEX tasks_open_number ON tasks(user_id, number) WHERE status = 'open';
                    CREATE INDEX tasks_user_status ON tasks(user_id, status);
                    CREATE INDEX tasks_series ON tasks(series_id) WHERE series_id IS NOT NULL;
                    ALTER TABLE undo_entries ADD COLUMN payload TEXT;
                    CREATE TABLE conversation_state (
                        user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                        last_reminded_task_id INTEGER,
                        last_reminded_at REAL,
                        pending_kind TEXT,
                        pending_task_ids TEXT,
                        pending_expires_at REAL,
                        list_query TEXT,
                        list_offset INTEGER
                    );
                    """)
        }
        migrator.registerMigration("v3-digests") { db in
            try db.execute(
                sql: """
                    ALTER TABLE deliveries ADD COLUMN scheduled_for REAL;
                    ALTER TABLE tasks ADD COLUMN nudged_at REAL;
                    CREATE INDEX deliveries_user_kind_pending ON deliveries(user_id, kind) WHERE status = 'pending';
                    CREATE TABLE motivation_history (
                        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        line INTEGER NOT NULL,
                        sent_at REAL NOT NULL
                    );
                    CREATE INDEX motivation_history_user ON motivation_history(user_id, sent_at);
                    """)
        }
        migrator.registerMigration("v4-provider-ids") { db in
            try db.execute(
                sql: """
                    CREATE INDEX deliveries_provider_id ON deliveries(provider_message_id)
                    WHERE provider_message_id IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v5-early-statuses") { db in
            try db.execute(
                sql: """
                    CREATE TABLE early_statuses (
                        message_sid TEXT PRIMARY KEY,
                        status TEXT NOT NULL,
                        error_code TEXT,
                        received_at REAL NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v6-email-channel") { db in
            // Before the guard below: keep one pending row per digest kind (the newest) if a race left two.
            try db.execute(
                sql: """
                    UPDATE deliveries SET status = 'canceled', error_message = 'duplicate run'
                    WHERE status = 'pending' AND kind != 'reminder' AND id NOT IN (
                        SELECT MAX(id) FROM deliveries WHERE status = 'pending' AND kind != 'reminder' GROUP BY user_id, kind);
                    ALTER TABLE users ADD COLUMN email TEXT;
                    ALTER TABLE users ADD COLUMN email_verified_at REAL;
                    ALTER TABLE users ADD COLUMN email_unsubscribed_at REAL;
                    ALTER TABLE users ADD COLUMN email_token TEXT;
                    CREATE UNIQUE INDEX users_email_token ON users(email_token) WHERE email_token IS NOT NULL;
                    ALTER TABLE users ADD COLUMN reminder_channel TEXT NOT NULL DEFAULT 'sms';
                    ALTER TABLE users ADD COLUMN agenda_channel TEXT NOT NULL DEFAULT 'sms';
                    ALTER TABLE users ADD COLUMN motivation_channel TEXT NOT NULL DEFAULT 'sms';
                    ALTER TABLE users ADD COLUMN nudge_channel TEXT NOT NULL DEFAULT 'sms';
                    ALTER TABLE users ADD COLUMN weekly_channel TEXT NOT NULL DEFAULT 'sms';
                    ALTER TABLE deliveries ADD COLUMN parent_id INTEGER REFERENCES deliveries(id) ON DELETE SET NULL;
                    ALTER TABLE deliveries ADD COLUMN payload TEXT;
                    CREATE UNIQUE INDEX deliveries_one_copy ON deliveries(parent_id) WHERE parent_id IS NOT NULL;
                    CREATE UNIQUE INDEX deliveries_one_pending_digest ON deliveries(user_id, kind)
                        WHERE status = 'pending' AND kind NOT IN ('reminder', 'email_verification') AND channel = 'sms';
                    CREATE TABLE email_verifications (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        address TEXT NOT NULL,
                        token_hash TEXT NOT NULL UNIQUE,
                        created_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        used_at REAL
                    );
                    CREATE INDEX email_verifications_user ON email_verifications(user_id, created_at);
                    CREATE TABLE email_events (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        address TEXT NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('verified', 'unsubscribed', 'removed')),
                        source TEXT NOT NULL,
                        at REAL NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v7-accounts") { db in
            // A web account may exist before it links a phone: users.phone becomes optional (table rebuilt;
            // GRDB runs migrations with foreign keys checked at the end, so references survive).
            try db.execute(
                sql: """
                    CREATE TABLE users_v7 (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        phone TEXT UNIQUE,
                        time_zone TEXT NOT NULL,
                        opted_out_at REAL,
                        number_invalid_at REAL,
                        created_at REAL NOT NULL,
                        morning_minutes INTEGER NOT NULL DEFAULT 540,
                        morning_enabled INTEGER NOT NULL DEFAULT 1,
                        evening_minutes INTEGER NOT NULL DEFAULT 1080,
                        motivation_enabled INTEGER NOT NULL DEFAULT 0,
                        weekly_enabled INTEGER NOT NULL DEFAULT 1,
                        quiet_start_minutes INTEGER DEFAULT 1260,
                        quiet_end_minutes INTEGER DEFAULT 480,
                        email TEXT,
                        email_verified_at REAL,
                        email_unsubscribed_at REAL,
                        email_token TEXT,
                        reminder_channel TEXT NOT NULL DEFAULT 'sms',
                        agenda_channel TEXT NOT NULL DEFAULT 'sms',
                        motivation_channel TEXT NOT NULL DEFAULT 'sms',
                        nudge_channel TEXT NOT NULL DEFAULT 'sms',
                        weekly_channel TEXT NOT NULL DEFAULT 'sms',
                        login_email TEXT,
                        password_hash TEXT
                    );
                    INSERT INTO users_v7 (id, phone, time_zone, opted_out_at, number_invalid_at, created_at, morning_minutes, morning_enabled,
                        evening_minutes, motivation_enabled, weekly_enabled, quiet_start_minutes, quiet_end_minutes, email,
                        email_verified_at, email_unsubscribed_at, email_token, reminder_channel, agenda_channel,
                        motivation_channel, nudge_channel, weekly_channel)
                    SELECT id, phone, time_zone, opted_out_at, number_invalid_at, created_at, morning_minutes, morning_enabled,
                        evening_minutes, motivation_enabled, weekly_enabled, quiet_start_minutes, quiet_end_minutes, email,
                        email_verified_at, email_unsubscribed_at, email_token, reminder_channel, agenda_channel,
                        motivation_channel, nudge_channel, weekly_channel FROM users;
                    DROP TABLE users;
                    ALTER TABLE users_v7 RENAME TO users;
                    CREATE UNIQUE INDEX users_email_token ON users(email_token) WHERE email_token IS NOT NULL;
                    CREATE UNIQUE INDEX users_login_email ON users(lower(login_email)) WHERE login_email IS NOT NULL;
                    CREATE TABLE auth_sessions (
                        id TEXT PRIMARY KEY,
                        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        created_at REAL NOT NULL,
                        revoked_at REAL,
                        revoked_reason TEXT
                    );
                    CREATE INDEX auth_sessions_user ON auth_sessions(user_id);
                    CREATE TABLE refresh_tokens (
                        token_hash TEXT PRIMARY KEY,
                        session_id TEXT NOT NULL REFERENCES auth_sessions(id) ON DELETE CASCADE,
                        created_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        used_at REAL
                    );
                    CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);
                    DROP INDEX deliveries_one_pending_digest;
                    CREATE UNIQUE INDEX deliveries_one_pending_digest ON deliveries(user_id, kind)
                        WHERE status = 'pending' AND kind IN ('agenda', 'motivation', 'nudge', 'weekly') AND channel = 'sms';
                    CREATE TABLE phone_link_codes (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        phone TEXT NOT NULL,
                        code_hash TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        used_at REAL
                    );
                    CREATE INDEX phone_link_codes_user ON phone_link_codes(user_id, id);
                    CREATE INDEX phone_link_codes_phone ON phone_link_codes(phone, created_at);
                    """)
        }
        migrator.registerMigration("v8-calendar-feed") { db in
            try db.execute(
                sql: """
                    ALTER TABLE users ADD COLUMN calendar_token_hash TEXT;
                    CREATE UNIQUE INDEX users_calendar_token ON users(calendar_token_hash) WHERE calendar_token_hash IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v9-partners") { db in
            // Issue 7. A link is keyed by the student's number, not a user row: an invited number that
            // never answered has no account and gets nothing but the one consent request.
            try db.execute(
                sql: """
                    CREATE TABLE partner_links (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        partner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        student_phone TEXT NOT NULL,
                        student_name TEXT NOT NULL,
                        status TEXT NOT NULL,
                        invited_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        responded_at REAL,
                        ended_at REAL,
                        ended_by TEXT
                    );
                    CREATE UNIQUE INDEX partner_links_live ON partner_links(partner_id, student_phone)
                        WHERE status IN ('pending', 'active');
                    CREATE INDEX partner_links_partner ON partner_links(partner_id, status);
                    CREATE INDEX partner_links_student ON partner_links(student_phone, status);
                    CREATE TABLE partner_broadcasts (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        partner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                        body TEXT NOT NULL,
                        recipients INTEGER NOT NULL,
                        created_at REAL NOT NULL
                    );
                    CREATE INDEX partner_broadcasts_partner ON partner_broadcasts(partner_id, created_at);
                    ALTER TABLE tasks ADD COLUMN assigned_by INTEGER REFERENCES users(id) ON DELETE SET NULL;
                    CREATE INDEX tasks_assigned_by ON tasks(assigned_by, user_id) WHERE assigned_by IS NOT NULL;
                    ALTER TABLE series ADD COLUMN assigned_by INTEGER REFERENCES users(id) ON DELETE SET NULL;
                    ALTER TABLE users ADD COLUMN display_name TEXT;
                    ALTER TABLE users ADD COLUMN partner_done_alerts INTEGER NOT NULL DEFAULT 1;
                    ALTER TABLE users ADD COLUMN partner_overdue_alerts INTEGER NOT NULL DEFAULT 1;
                    ALTER TABLE users ADD COLUMN partner_weekly_enabled INTEGER NOT NULL DEFAULT 1;
                    DROP INDEX deliveries_one_pending_digest;
                    CREATE UNIQUE INDEX deliveries_one_pending_digest ON deliveries(user_id, kind)
                        WHERE status = 'pending' AND kind IN ('agenda', 'motivation', 'nudge', 'weekly', 'partner_weekly') AND channel = 'sms';
                    CREATE TABLE consent_events_v9 (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        phone TEXT NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('opt_out', 'opt_in', 'partner_yes', 'partner_no',
                            'partner_block', 'partner_unlink')),
                        source TEXT NOT NULL,
                        wording TEXT,
                        at REAL NOT NULL
                    );
                    INSERT INTO consent_events_v9 (id, phone, kind, source, wording, at)
                        SELECT id, phone, kind, source, wording, at FROM consent_events;
                    DROP TABLE consent_events;
                    ALTER TABLE consent_events_v9 RENAME TO consent_events;
                    CREATE INDEX consent_phone ON consent_events(phone, id);
                    """)
        }
        migrator.registerMigration("v10-list-order") { db in
            // "list" reads one page in list order straight off this index instead of sorting every open
            // task (a person with 1,000 tasks paid for the sort on every text; issue 9).
            try db.execute(sql: PostgresSchema.listOrderIndex)
        }
        return migrator
    }
}
