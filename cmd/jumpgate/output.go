package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

func userTable(w io.Writer, users []directory.User) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSERNAME\tEMAIL\tNAME\tSTATE")
	for _, u := range users {
		name := strings.TrimSpace(u.FirstName + " " + u.LastName)
		if u.DisplayName != "" {
			name = u.DisplayName
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.ID, clean(u.Username), clean(u.Email), clean(name), u.State)
	}
	tw.Flush()
}

func userDetail(w io.Writer, u *directory.User) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, row := range [][2]string{
		{"id", u.ID}, {"username", u.Username}, {"email", u.Email}, {"firstname", u.FirstName},
		{"lastname", u.LastName}, {"displayName", u.DisplayName}, {"employeeIdentifier", u.EmployeeID},
		{"state", string(u.State)}, {"created", u.CreatedAt.Format("2006-01-02 15:04:05Z07:00")},
		{"updated", u.UpdatedAt.Format("2006-01-02 15:04:05Z07:00")},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", row[0], clean(row[1]))
	}
	tw.Flush()
}

func groupTable(w io.Writer, groups []directory.Group) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tMEMBERS\tDESCRIPTION")
	for _, g := range groups {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", g.ID, clean(g.Name), g.MemberCount, clean(g.Description))
	}
	tw.Flush()
}

func groupDetail(w io.Writer, g *directory.Group) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, row := range [][2]string{
		{"id", g.ID}, {"name", g.Name}, {"description", g.Description}, {"members", fmt.Sprint(g.MemberCount)},
		{"created", g.CreatedAt.Format("2006-01-02 15:04:05Z07:00")}, {"updated", g.UpdatedAt.Format("2006-01-02 15:04:05Z07:00")},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", row[0], clean(row[1]))
	}
	tw.Flush()
}

func pageFooter(w io.Writer, n, offset, total int) {
	if total == 0 {
		fmt.Fprintln(w, "(none)")
		return
	}
	if n < total {
		fmt.Fprintf(w, "%d-%d of %d (use --offset to see more)\n", offset+1, offset+n, total)
	}
}
