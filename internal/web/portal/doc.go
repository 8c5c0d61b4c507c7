// Package portal serves the admin portal: server-rendered pages under /admin for users, groups, applications, identity management, imports and Directory Insights.
package portal
