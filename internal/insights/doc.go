// Package insights is Directory Insights: an append-only store of typed audit events in the main database, with filtered, cursor-paged queries and retention.
package insights
