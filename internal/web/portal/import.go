package portal

import (
	"context"
	"net/http"
	"strconv"

	"github.com/jumpgate-idp/jumpgate/internal/adminauth"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/importer"
)

// importMaxIDs bounds one selection (the form body is bounded too).
const importMaxIDs = 5000

// importManagedChecks bounds how many created users a job page checks for
// membership of a group bound to the application.
const importManagedChecks = 2000

func (h *Handler) mountImport(mux *http.ServeMux) {
	h.page(mux, "GET /admin/apps/{id}/import", h.importList)
	h.page(mux, "POST /admin/apps/{id}/import", h.importRun)
	h.page(mux, "GET /admin/apps/{id}/import/jobs/{jobId}", h.importJob)
}

// importShows are the list's filters: every user in the application's
// order, New users first, New users only.
var importShows = []string{"all", "new_first", "new_only"}

type importData struct {
	Panel    appPanel
	Show     string
	Users    []importer.Candidate
	New      int
	Imported int
	Selected map[string]bool
	SyncMax  int
	Warning  string
}

type importResultData struct {
	Panel     appPanel
	Result    *importer.Result
	Unmanaged int
	Warning   string
	CanWrite  bool
}

type importJobData struct {
	Panel     appPanel
	Job       *importer.Job
	Running   bool
	Percent   int
	Unmanaged int  // created users in no group bound to the app
	Checked   bool // Unmanaged counts every created user
	Warning   string
	CanWrite  bool
}

// importOpen checks that importing from the application is possible: the
// importer is configured and the app's identity management is active.
func (h *Handler) importOpen(ctx context.Context, appID string) (*directory.App, error) {
	if h.Importer == nil {
		return nil, unavailable("Importing users")
	}
	if h.IdM == nil {
		return nil, unavailable("Identity management")
	}
	app, err := h.idmApp(ctx, appID)
	if err != nil {
		return nil, err
	}
	set, err := h.IdM.Get(ctx, appID)
	if err != nil {
		return nil, err
	}
	if !set.Active {
		return nil, directory.Errorf(directory.EPRECONDITION,
			"Identity management of %s is not active: configure and activate it on the Identity Management tab before importing users.", app.Label)
	}
	return app, nil
}

func readImportShow(r *http.Request) (string, error) {
	show := r.URL.Query().Get("show")
	if show == "" {
		return "all", nil
	}
	for _, s := range importShows {
		if s == show {
			return show, nil
		}
	}
	return "", directory.Invalid(directory.FieldError{Field: "show", Reason: "must be all, new_first or new_only"})
}

func (h *Handler) importList(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	app, err := h.importOpen(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	show, err := readImportShow(r)
	if err != nil {
		return err
	}
	d, err := h.importLoad(ctx, app, show)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "import", &view{Title: app.Label + " · Import users", Section: "apps", Session: s, Data: d})
	return nil
}

func (h *Handler) importLoad(ctx context.Context, app *directory.App, show string) (*importData, error) {
	users, err := h.Importer.ListUsers(ctx, app.ID, importer.ListOptions{NewFirst: show == "new_first", OnlyNew: show == "new_only"})
	if err != nil {
		return nil, err
	}
	d := &importData{Panel: appPanel{App: app, Tab: "idm"}, Show: show, Users: users, SyncMax: importer.SyncLimit,
		Warning: importer.UnmanagedWarning, Selected: map[string]bool{}}
	for _, u := range users {
		if u.Status == importer.StatusNew {
			d.New++
		} else {
			d.Imported++
		}
	}
	return d, nil
}

// importRun imports the checked users, or every New user: up to
// importer.SyncLimit at once with a result per user, more as a
// background job whose page follows its progress.
func (h *Handler) importRun(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	app, err := h.importOpen(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	ids := r.PostForm["ids"]
	if r.PostForm.Get("all_new") != "" {
		news, err := h.Importer.ListUsers(ctx, app.ID, importer.ListOptions{OnlyNew: true})
		if err != nil {
			return err
		}
		ids = ids[:0]
		for _, u := range news {
			ids = append(ids, u.ID)
		}
		if len(ids) == 0 {
			seeOther(w, r, "/admin/apps/"+app.ID+"/import", "There are no New users to import.")
			return nil
		}
	}
	if len(ids) > importMaxIDs {
		return directory.Invalid(directory.FieldError{Field: "ids", Reason: "select at most 5000 users at a time, or use Import all New users"})
	}
	for _, id := range ids {
		if id == "" || len(id) > 256 {
			return directory.Invalid(directory.FieldError{Field: "ids", Reason: "holds an id that is not one of the application's"})
		}
	}
	if len(ids) == 0 {
		show, _ := readImportShow(r)
		d, err := h.importLoad(ctx, app, show)
		if err != nil {
			return err
		}
		v := &view{Title: app.Label + " · Import users", Section: "apps", Session: s, Data: d}
		v.setError(directory.Invalid(directory.FieldError{Field: "ids", Reason: "select at least one user to import"}))
		h.render(w, r, http.StatusBadRequest, "import", v)
		return nil
	}
	res, err := h.Importer.Import(ctx, actor(s), app.ID, importer.Selection{IDs: ids})
	if err != nil {
		return err
	}
	if res.Job != nil {
		seeOther(w, r, "/admin/apps/"+app.ID+"/import/jobs/"+res.Job.ID,
			"The import of "+strconv.Itoa(res.Job.Total)+" users runs in the background; "+res.Job.AdminEmail+" gets a message when it is complete.")
		return nil
	}
	d := &importResultData{Panel: appPanel{App: app, Tab: "idm"}, Result: res, Warning: importer.UnmanagedWarning, CanWrite: s.CanWrite()}
	for _, u := range res.Users {
		if u.Managed != nil && !*u.Managed {
			d.Unmanaged++
		}
	}
	h.render(w, r, http.StatusOK, "import_result", &view{Title: app.Label + " · Import results", Section: "apps", Session: s, Data: d})
	return nil
}

func (h *Handler) importJob(w http.ResponseWriter, r *http.Request, s *adminauth.Session) error {
	ctx := r.Context()
	if h.Importer == nil {
		return unavailable("Importing users")
	}
	appID, jobID := r.PathValue("id"), r.PathValue("jobId")
	app, err := h.idmApp(ctx, appID)
	if err != nil {
		return err
	}
	if len(jobID) > 128 {
		return directory.NotFound("import job", jobID)
	}
	j, err := h.Importer.GetJob(ctx, jobID)
	if err != nil {
		return err
	}
	if j.AppID != app.ID {
		return directory.NotFound("import job", jobID)
	}
	d := &importJobData{Panel: appPanel{App: app, Tab: "idm"}, Job: j, Running: j.State == importer.JobRunning,
		Warning: importer.UnmanagedWarning, CanWrite: s.CanWrite()}
	if j.Total > 0 {
		d.Percent = j.Done * 100 / j.Total
	}
	d.Unmanaged, d.Checked, err = h.importUnmanaged(ctx, app.ID, j.Links)
	if err != nil {
		return err
	}
	v := &view{Title: app.Label + " · Import job", Section: "apps", Session: s, Data: d}
	if d.Running {
		v.Refresh = 2
	}
	h.render(w, r, http.StatusOK, "import_job", v)
	return nil
}

// importUnmanaged counts the created users that are in no group bound to
// the application (checked is false when there were too many to check).
func (h *Handler) importUnmanaged(ctx context.Context, appID string, links []importer.Link) (int, bool, error) {
	n := 0
	checked := len(links) <= importManagedChecks
	if !checked {
		links = links[:importManagedChecks]
	}
	err := h.Store.View(ctx, func(tx directory.Tx) error {
		n = 0
		for _, l := range links {
			in, err := tx.UserInAppGroups(ctx, l.UserID, appID)
			if directory.ErrorCode(err) == directory.ENOTFOUND {
				continue // deleted since
			}
			if err != nil {
				return err
			}
			if !in {
				n++
			}
		}
		return nil
	})
	return n, checked, err
}
