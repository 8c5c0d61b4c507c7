// Package mail sends Jumpgate's notification mails through an SMTP server, or keeps them in a local outbox table when none is configured.
package mail
