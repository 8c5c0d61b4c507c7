// Package lifecycle holds the use cases that change the directory, each committing its mutation, change record and effects in one transaction.
package lifecycle
