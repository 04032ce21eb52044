import Storage

extension SeriesStore {
    /// SQLite's `quick_check` of the store's file, on a connection of its own (in WAL mode a reader never
    /// blocks the writer), so it can run while the store is in use: what SQLite finds wrong, nothing when the
    /// file is sound. It reads every page: about 0.7 s for 10 million readings on a small server.
    public func integrityProblems() throws -> [String] {
        let database = try SQLiteDatabase(path: configuration.path, readOnly: true)
        defer { database.close() }
        return try database.quickCheck()
    }
}
