package portal

import (
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"time"
)

// parsePages parses every page template with the layout: page "x" is
// templates/x.html, executed as "x.html".
func parsePages() map[string]*template.Template {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" {
			continue
		}
		out[base] = template.Must(template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
	}
	return out
}

var funcs = template.FuncMap{
	// when formats a time for a table cell (UTC, minutes).
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return "—"
			}
			return v.UTC().Format("2006-01-02 15:04 MST")
		case *time.Time:
			if v == nil || v.IsZero() {
				return "—"
			}
			return v.UTC().Format("2006-01-02 15:04 MST")
		}
		return fmt.Sprint(t)
	},
	// iso formats a time for a datetime attribute.
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"add": func(a, b int) int { return a + b },
	"sub": func(a, b int) int { return a - b },
	// query builds "?k=v&..." from pairs, skipping empty values.
	"query": func(kv ...string) template.URL {
		q := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] != "" {
				q.Set(kv[i], kv[i+1])
			}
		}
		if len(q) == 0 {
			return ""
		}
		return template.URL("?" + q.Encode())
	},
	// has reports whether list contains s.
	"has": func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	},
	"lower": strings.ToLower,
}
