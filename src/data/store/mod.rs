//! SQLite storage: schema migrations, WAL, a batching writer thread, queries, bulk import.
