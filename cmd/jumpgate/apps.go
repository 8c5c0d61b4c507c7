package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/jumpgate-idp/jumpgate/internal/apiclient"
	"github.com/jumpgate-idp/jumpgate/internal/catalog"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/web/api"
)

type appsCmd struct {
	List     appsListCmd     `cmd:"" help:"List configured applications."`
	Get      appsGetCmd      `cmd:"" help:"Show an application and its SSO settings."`
	Add      appsAddCmd      `cmd:"" help:"Add an application from the catalog (see jumpgate catalog list)."`
	Update   appsUpdateCmd   `cmd:"" help:"Change an application's label, description, portal visibility or bookmark URL."`
	Delete   appsDeleteCmd   `cmd:"" help:"Delete applications; --confirm must be their number."`
	Metadata appsMetadataCmd `cmd:"" help:"Download an application's IdP metadata."`
	Bind     appsBindCmd     `cmd:"" help:"Authorize user groups to use an application."`
	Unbind   appsUnbindCmd   `cmd:"" help:"Remove user groups from an application."`
	Groups   appsGroupsCmd   `cmd:"" help:"List the user groups bound to an application."`
	Idm      appsIdmCmd      `cmd:"" name:"idm" help:"Identity management (SCIM provisioning): settings, activation, status, sync and plan."`
	Import   appsImportCmd   `cmd:"" help:"Import users from an application whose identity management is active."`
}

type catalogCmd struct {
	List catalogListCmd `cmd:"" help:"List the application catalog, optionally searched by name."`
}

type catalogListCmd struct {
	clientFlags `embed:""`
	Query       string `arg:"" optional:"" help:"Part of the application name."`
}

func (c *catalogListCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	ts, err := cl.ListCatalog(ctx, c.Query)
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(m.Stdout, ts)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCAPABILITIES\tDESCRIPTION")
	for _, t := range ts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Name, capabilities(t), clean(t.Description))
	}
	tw.Flush()
	if len(ts) == 0 {
		fmt.Fprintln(m.Stdout, "(none)")
	}
	return nil
}

func capabilities(t catalog.Template) string {
	var out []string
	if t.Capabilities.SSOSAML {
		out = append(out, "saml")
	}
	if t.Capabilities.Bookmark {
		out = append(out, "bookmark")
	}
	if k := t.Capabilities.IdentityManagement; k != "" {
		out = append(out, "scim:"+k)
	}
	return strings.Join(out, ",")
}

// resolveApp finds an application by id, or else by exact slug or label.
func resolveApp(ctx context.Context, c *apiclient.Client, ref string) (*directory.App, error) {
	a, err := c.GetApp(ctx, ref)
	if err == nil || !apiclient.IsNotFound(err) {
		return a, err
	}
	page, lerr := c.ListApps(ctx, apiclient.ListOptions{Query: ref, Limit: directory.MaxPageSize})
	if lerr != nil {
		return nil, lerr
	}
	var found []directory.App
	for _, x := range page.Items {
		if x.Slug == ref || strings.EqualFold(x.Label, ref) {
			found = append(found, x)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no application with id, slug or label %q", ref)
	case 1:
		return &found[0], nil
	}
	return nil, fmt.Errorf("%d applications are labelled %q: use the id or slug", len(found), ref)
}

func appTable(w io.Writer, apps []directory.App) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLABEL\tTEMPLATE\tSSO\tPORTAL\tIDP URL")
	for _, a := range apps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, clean(a.Label), a.TemplateID, onOff(a.SSOActive, "active", "inactive"),
			onOff(a.ShowInPortal, "shown", "hidden"), a.IdPURL)
	}
	tw.Flush()
}

func onOff(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

func appDetail(w io.Writer, a *directory.App, sso *directory.AppSSO) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	rows := [][2]string{
		{"id", a.ID}, {"label", a.Label}, {"slug", a.Slug}, {"template", a.TemplateID}, {"description", a.Description},
		{"showInPortal", fmt.Sprint(a.ShowInPortal)}, {"ssoActive", fmt.Sprint(a.SSOActive)},
	}
	if a.BookmarkURL != "" {
		rows = append(rows, [2]string{"bookmarkUrl", a.BookmarkURL})
	}
	if a.IdPURL != "" {
		rows = append(rows, [2]string{"idpUrl", a.IdPURL})
	}
	if sso != nil {
		rows = append(rows, [][2]string{{"idpEntityId", sso.IdPEntityID}, {"spEntityId", sso.SPEntityID},
			{"acsUrls", strings.Join(sso.ACSURLs, " ")}, {"nameId", sso.NameIDAttribute + " (" + sso.NameIDFormat + ")"},
			{"signature", sso.SignatureAlgorithm + ", signs " + sso.Sign}}...)
		for _, at := range sso.Attributes {
			src := at.Source.Attribute
			if src == "" {
				src = fmt.Sprintf("%q", at.Source.Constant)
			}
			flags := onOff(at.Enabled, "on", "off")
			if at.JITRequired {
				flags += ", JIT"
			}
			rows = append(rows, [2]string{"attribute " + at.Name, src + " (" + flags + ")"})
		}
	}
	rows = append(rows, [2]string{"created", a.CreatedAt.Format("2006-01-02 15:04:05Z07:00")})
	for _, row := range rows {
		fmt.Fprintf(tw, "%s:\t%s\n", row[0], clean(row[1]))
	}
	tw.Flush()
}

type appsListCmd struct {
	clientFlags `embed:""`
	Limit       int    `name:"limit" help:"Page size (default 50, at most 1000)."`
	Offset      int    `name:"offset" help:"Items to skip."`
	Query       string `name:"q" help:"Search label, slug, template or description."`
}

func (c *appsListCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	page, err := cl.ListApps(ctx, apiclient.ListOptions{Limit: c.Limit, Offset: c.Offset, Query: c.Query})
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(m.Stdout, page)
	}
	appTable(m.Stdout, page.Items)
	pageFooter(m.Stdout, len(page.Items), page.Offset, page.Total)
	return nil
}

type appsGetCmd struct {
	clientFlags `embed:""`
	App         string `arg:"" help:"Application id, slug or label."`
}

func (c *appsGetCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	a, err := resolveApp(ctx, cl, c.App)
	if err != nil {
		return err
	}
	var sso *directory.AppSSO
	if a.IdPURL != "" {
		if sso, err = cl.GetAppSSO(ctx, a.ID); err != nil {
			return err
		}
	}
	if c.JSON {
		return writeJSON(m.Stdout, map[string]any{"app": a, "sso": sso})
	}
	appDetail(m.Stdout, a, sso)
	return nil
}

type appsAddCmd struct {
	clientFlags  `embed:""`
	Template     string `name:"template" required:"" help:"Catalog id: quip, custom-saml, custom-scim, bookmark."`
	Label        string `name:"label" required:"" help:"Display label (at most 128 characters)."`
	Description  string `name:"description" help:"Description."`
	Hide         bool   `name:"hide" help:"Hide the application in the user console."`
	BookmarkURL  string `name:"bookmark-url" help:"Sign-in URL of a bookmark application."`
	IdPURL       string `name:"idp-url" help:"Advanced: <base URL>/saml2/<name>; not editable later (default from the label)."`
	KeyAlgorithm string `name:"key-algorithm" enum:"rsa2048,rsa3072,ecdsa-p256," default:"" help:"Signing key: rsa2048 (default), rsa3072 or ecdsa-p256."`
}

func (c *appsAddCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	show := !c.Hide
	a, err := cl.CreateApp(ctx, api.AppInput{TemplateID: c.Template, Label: c.Label, Description: c.Description,
		ShowInPortal: &show, BookmarkURL: c.BookmarkURL, IdPURL: c.IdPURL, KeyAlgorithm: c.KeyAlgorithm})
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(m.Stdout, a)
	}
	appDetail(m.Stdout, a, nil)
	return nil
}

type appsUpdateCmd struct {
	clientFlags  `embed:""`
	App          string  `arg:"" help:"Application id, slug or label."`
	Label        *string `name:"label" help:"New label."`
	Description  *string `name:"description" help:"New description."`
	ShowInPortal *bool   `name:"show-in-portal" negatable:"" help:"Show (or --no-show-in-portal hide) the application in the user console."`
	BookmarkURL  *string `name:"bookmark-url" help:"New bookmark URL."`
}

func (c *appsUpdateCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	cur, err := resolveApp(ctx, cl, c.App)
	if err != nil {
		return err
	}
	a, err := cl.UpdateApp(ctx, cur.ID, directory.AppUpdate{Label: c.Label, Description: c.Description, ShowInPortal: c.ShowInPortal, BookmarkURL: c.BookmarkURL})
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(m.Stdout, a)
	}
	appDetail(m.Stdout, a, nil)
	return nil
}

type appsDeleteCmd struct {
	clientFlags `embed:""`
	Apps        []string `arg:"" help:"Application ids, slugs or labels."`
	Confirm     int      `name:"confirm" required:"" help:"The number of applications being deleted."`
}

func (c *appsDeleteCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	var ids []string
	var errs []error
	for _, ref := range c.Apps {
		a, err := resolveApp(ctx, cl, ref)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, a.ID)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	deleted, err := cl.DeleteApps(ctx, ids, c.Confirm)
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(m.Stdout, map[string][]string{"deleted": deleted})
	}
	fmt.Fprintf(m.Stdout, "Deleted %d application(s).\n", len(deleted))
	return nil
}

type appsMetadataCmd struct {
	clientFlags `embed:""`
	App         string `arg:"" help:"Application id, slug or label."`
	Out         string `name:"out" placeholder:"FILE" help:"Write to FILE (default: the server's file name, Jumpgate-<label>-metadata.xml; - for standard output)."`
}

func (c *appsMetadataCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	a, err := resolveApp(ctx, cl, c.App)
	if err != nil {
		return err
	}
	xml, name, err := cl.AppMetadata(ctx, a.ID)
	if err != nil {
		return err
	}
	out := c.Out
	if out == "-" {
		_, err := m.Stdout.Write(xml)
		return err
	}
	if out == "" {
		if out = name; out == "" || strings.ContainsAny(out, `/\`) {
			out = "Jumpgate-" + a.Slug + "-metadata.xml"
		}
	}
	if err := os.WriteFile(out, xml, 0o644); err != nil {
		return fmt.Errorf("write metadata: %w", err)
	}
	fmt.Fprintf(m.Stdout, "Wrote %s (%d bytes).\n", out, len(xml))
	return nil
}

type appsBindCmd struct {
	clientFlags `embed:""`
	App         string   `arg:"" help:"Application id, slug or label."`
	Groups      []string `arg:"" help:"Group ids or names."`
}

func (c *appsBindCmd) Run(ctx context.Context, m *Main) error { return c.run(ctx, m, true) }

func (c *appsBindCmd) run(ctx context.Context, m *Main, bind bool) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	a, err := resolveApp(ctx, cl, c.App)
	if err != nil {
		return err
	}
	var ids []string
	var errs []error
	for _, ref := range c.Groups {
		g, err := resolveGroup(ctx, cl, ref)
		switch {
		case err == nil:
			ids = append(ids, g.ID)
		case bind:
			errs = append(errs, err)
		default:
			ids = append(ids, ref) // a deleted group is no longer bound anyway
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	cur, err := cl.AppGroups(ctx, a.ID)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, id := range cur.GroupIDs {
		want[id] = true
	}
	for _, id := range ids {
		want[id] = bind
	}
	var set []string
	for id, ok := range want {
		if ok {
			set = append(set, id)
		}
	}
	res, err := cl.SetAppGroups(ctx, a.ID, set)
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(m.Stdout, res)
	}
	if bind {
		fmt.Fprintf(m.Stdout, "Bound %d group(s) to %s; %d bound in all.\n", len(res.Bound), a.Label, len(res.GroupIDs))
	} else {
		fmt.Fprintf(m.Stdout, "Unbound %d group(s) from %s; %d bound in all.\n", len(res.Unbound), a.Label, len(res.GroupIDs))
	}
	return nil
}

type appsUnbindCmd struct {
	appsBindCmd `embed:""`
}

func (c *appsUnbindCmd) Run(ctx context.Context, m *Main) error { return c.run(ctx, m, false) }

type appsGroupsCmd struct {
	clientFlags `embed:""`
	App         string `arg:"" help:"Application id, slug or label."`
}

func (c *appsGroupsCmd) Run(ctx context.Context, m *Main) error {
	cl, err := c.client(m)
	if err != nil {
		return err
	}
	a, err := resolveApp(ctx, cl, c.App)
	if err != nil {
		return err
	}
	res, err := cl.AppGroups(ctx, a.ID)
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(m.Stdout, res)
	}
	groupTable(m.Stdout, res.Groups)
	if len(res.Groups) == 0 {
		fmt.Fprintln(m.Stdout, "(none: users are implicitly denied until a group is bound)")
	}
	return nil
}
