"""The committed replication record (record/<scale>/): filled from results/ (store), checked
(check), and its pages (summary.csv, REPLICATION.md)."""
