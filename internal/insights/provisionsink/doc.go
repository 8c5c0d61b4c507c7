// Package provisionsink stores the provisioning engine's events as Directory Insights events (a provision.EventSink).
package provisionsink
