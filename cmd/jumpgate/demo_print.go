package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// printDemo prints where everything is, the logins and the walk-through.
func (m *Main) printDemo(url string, d *Demo) {
	var b strings.Builder
	where := "data in " + d.dataDir
	if d.otherDB != "" {
		where += ", database " + d.otherDB
	}
	fmt.Fprintf(&b, "\nJumpgate demo is running (demo only: well-known passwords, %s)\n\n", where)
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  Jumpgate\t%s\n", url)
	fmt.Fprintf(tw, "    admin portal\t%s/admin\n", url)
	fmt.Fprintf(tw, "    user console\t%s/console\n", url)
	fmt.Fprintf(tw, "  quipsim (Quip)\t%s\tcompany %s, e-mail domain %s\n", d.QuipHomeURL(), demoCompany, demoDomain)
	fmt.Fprintf(tw, "    SCIM base URL\t%s\n", d.QuipSCIMBaseURL())
	tw.Flush()
	b.WriteString("\n")
	fmt.Fprintf(&b, "  Admin login:    %s\n", d.Admin.Email)
	if d.AdminPassword != "" {
		fmt.Fprintf(&b, "  Admin password: %s   (shown only now; only a hash is stored)\n", d.AdminPassword)
	} else {
		b.WriteString("  Admin password: printed at the first run (only a hash is stored);\n")
		b.WriteString("                  start from scratch with: go run ./cmd/jumpgate demo --reset\n")
	}
	fmt.Fprintf(&b, "  API key:        %s   (new at each start; earlier demo keys are revoked)\n", d.APIKey)
	fmt.Fprintf(&b, "  Quip SCIM token (company %s): %s\n\n", demoCompany, d.QuipToken)
	b.WriteString("  Users (demo passwords, set at the first run: DEMO ONLY, never use them anywhere else):\n")
	tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "    LOGIN\tE-MAIL\tPASSWORD\tSTATE\tGROUPS\n")
	for _, u := range d.Users {
		state := string(u.State)
		if state == "" {
			state = "deleted"
		}
		fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%s\n", u.Username, u.Email, u.Password, state, strings.Join(u.Groups, ", "))
	}
	tw.Flush()
	fmt.Fprintf(&b, "  In quipsim only (to import): %s\n\n", quipOnlyList())
	fmt.Fprintf(&b, "  The %s app: SSO with quipsim (metadata exchanged both ways), identity management active,\n", demoAppLabel)
	fmt.Fprintf(&b, "  group %q bound to it.\n", demoQuipUsers)
	if d.AppRecreatedFrom != "" {
		fmt.Fprintf(&b, "  Jumpgate's URL changed since the last run: the %s app (IdP URL %s) was deleted and made again,\n", demoAppLabel, d.AppRecreatedFrom)
		b.WriteString("  since an application's IdP URL never changes. Keep --addr the same between runs to keep it.\n")
	}
	b.WriteString("\nWalk-through (in another terminal):\n\n")
	fmt.Fprintf(&b, "  export JUMPGATE_URL=%s JUMPGATE_API_KEY=%s QUIP_TOKEN=%s\n\n", url, d.APIKey, d.QuipToken)
	b.WriteString("  1. Single sign-on. Sign in to the user console as alice (password above) and click the Quip tile\n")
	fmt.Fprintf(&b, "     (IdP-initiated): %s/console\n", url)
	b.WriteString("     Or start at quipsim and click \"Sign in with SSO\" (SP-initiated): " + d.QuipHomeURL() + "\n")
	b.WriteString("     quipsim then shows \"Signed in as Alice Adams\".\n")
	fmt.Fprintf(&b, "  2. Provisioning. Bob is not in Quip yet. Add him to %q (admin portal, or):\n", demoQuipUsers)
	fmt.Fprintf(&b, "       go run ./cmd/jumpgate groups members add %q bob\n", demoQuipUsers)
	b.WriteString("     and watch him appear in quipsim:\n")
	fmt.Fprintf(&b, "       curl -s -G -H \"Authorization: Bearer $QUIP_TOKEN\" --data-urlencode 'filter=userName eq \"bob\"' %s/2/Users\n", d.QuipSCIMBaseURL())
	b.WriteString("  3. Deprovisioning. Suspend Carol and watch her deactivated in quipsim (\"active\": false):\n")
	b.WriteString("       go run ./cmd/jumpgate users suspend carol\n")
	fmt.Fprintf(&b, "       curl -s -G -H \"Authorization: Bearer $QUIP_TOKEN\" --data-urlencode 'filter=userName eq \"carol\"' %s/2/Users\n", d.QuipSCIMBaseURL())
	fmt.Fprintf(&b, "  4. Directory Insights: every sign-in, SSO and provisioning attempt, at %s/admin/insights, or:\n", url)
	b.WriteString("       go run ./cmd/jumpgate events --since 1h\n")
	b.WriteString("  5. Import users from Quip: " + quipOnlyList() + " exist only in quipsim. In the portal (the Quip app's\n")
	b.WriteString("     Identity Management tab, manual import), or:\n")
	fmt.Fprintf(&b, "       go run ./cmd/jumpgate apps import list %s --new-only\n", demoAppLabel)
	fmt.Fprintf(&b, "       go run ./cmd/jumpgate apps import run %s --all\n", demoAppLabel)
	b.WriteString("\nPress Ctrl-C to stop (a later run keeps the data; --reset starts from scratch).\n")
	fmt.Fprint(m.Stdout, b.String())
}

func quipOnlyList() string {
	var s []string
	for _, p := range quipOnlyPeople() {
		s = append(s, p.Email)
	}
	return strings.Join(s, " and ")
}
