import PostgresNIO
import Testing

@testable import TaskPulseStorage

@Suite("SQL for PostgreSQL: placeholders and statements")
struct PostgresStatementsTests {
    @Test("? becomes $n per statement, outside quoted text; each statement gets its own arguments")
    func placeholders() throws {
        let statements = try PostgresStatements.split(
            "UPDATE t SET a = ?, b = 'it''s ?; really' WHERE \"odd?name\" = ?; DELETE FROM u WHERE id = ?",
            arguments: [1, "x", 3])
        #expect(statements.map(\.sql) == [
            "UPDATE t SET a = $1, b = 'it''s ?; really' WHERE \"odd?name\" = $2", " DELETE FROM u WHERE id = $1",
        ])
        #expect(statements.map(\.binds.count) == [2, 1])
    }

    @Test("a count mismatch, a comment or dollar quoting is refused rather than misread")
    func refused() {
        for sql in ["SELECT ?, ?", "SELECT 1 -- why?", "SELECT 1 /* ? */", "SELECT $$?$$"] {
            #expect(throws: StoreError.self) { try PostgresStatements.split(sql, arguments: [1]) }
        }
    }
}
