package importer

import (
	"context"
	"strings"

	"github.com/jumpgate-idp/jumpgate/internal/connector"
	"github.com/jumpgate-idp/jumpgate/internal/directory"
	"github.com/jumpgate-idp/jumpgate/internal/sqlstore"
)

// batchSize is how many application users one read transaction classifies
// and one write transaction creates; a job saves its progress after each
// batch.
const batchSize = 100

// batchPlan is what one read transaction decided for a batch.
type batchPlan struct {
	results []UserResult
	create  []int            // indexes of the users to create, in order
	users   []directory.User // their directory users
	again   []int            // indexes to import one by one after the batch
}

// importUsers imports rus (at most lifecycle.MaxUsersPerCall) and returns
// one result per user, in order, exactly as importOne would one by one:
// one read transaction classifies and maps them all, one write
// transaction creates the new ones with their change records and effects,
// one more makes their activation links. When the batch's write fails
// (one bad or conflicting user refuses it whole, leaving nothing written),
// its users are imported one by one, so only the bad one fails.
func (im *Importer) importUsers(ctx context.Context, actor directory.Actor, appID string, rus []connector.RemoteUser) []UserResult {
	if len(rus) == 0 {
		return nil
	}
	var p *batchPlan
	err := im.Store.ViewTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		p, err = planBatch(ctx, tx, appID, rus)
		return err
	})
	if err != nil {
		out := make([]UserResult, len(rus))
		for i, ru := range rus {
			out[i] = im.importOne(ctx, actor, appID, ru)
		}
		return out
	}
	created, err := im.Lifecycle.ImportUsers(ctx, actor, appID, p.users)
	if err != nil {
		for _, i := range p.create {
			p.results[i] = im.importOne(ctx, actor, appID, rus[i])
		}
	} else {
		im.linkCreated(ctx, p, created)
	}
	for _, i := range p.again {
		p.results[i] = im.importOne(ctx, actor, appID, rus[i])
	}
	return p.results
}

// linkCreated fills the results of the created users, with activation
// links made in one transaction (one by one if that fails).
func (im *Importer) linkCreated(ctx context.Context, p *batchPlan, created []directory.User) {
	if im.Auth == nil {
		for k, i := range p.create {
			p.results[i] = im.createdResult(p.results[i], &created[k], nil, nil)
		}
		return
	}
	ids := make([]string, len(created))
	for k, u := range created {
		ids[k] = u.ID
	}
	links, err := im.Auth.CreateActivationLinks(ctx, ids)
	for k, i := range p.create {
		if err == nil {
			p.results[i] = im.createdResult(p.results[i], &created[k], &links[k], nil)
			continue
		}
		link, lerr := im.Auth.CreateActivationLink(ctx, created[k].ID)
		p.results[i] = im.createdResult(p.results[i], &created[k], link, lerr)
	}
}

// planBatch classifies rus in tx: existing users are skipped (with whether
// a group bound to the app manages them), users that cannot be mapped or
// are invalid fail, the others are mapped to directory users whose
// usernames and employee identifiers are free in the directory and within
// the batch. A second user with the e-mail address of one being created is
// left for one-by-one import after the batch (it will be skipped).
func planBatch(ctx context.Context, tx *sqlstore.Tx, appID string, rus []connector.RemoteUser) (*batchPlan, error) {
	p := &batchPlan{results: make([]UserResult, len(rus))}
	emails := make([]string, 0, len(rus))
	for i, ru := range rus {
		p.results[i] = UserResult{ID: ru.ID, Email: strings.ToLower(strings.TrimSpace(ru.Email))}
		if e := p.results[i].Email; e != "" {
			emails = append(emails, e)
		}
	}
	existing, err := usersByEmail(ctx, tx, emails)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(existing))
	for _, u := range existing {
		ids = append(ids, u.ID)
	}
	managed, err := managedUsers(ctx, tx, appID, ids)
	if err != nil {
		return nil, err
	}
	fresh := make([]connector.RemoteUser, 0, len(rus))
	for i, ru := range rus {
		if _, ok := existing[p.results[i].Email]; !ok {
			fresh = append(fresh, ru)
		}
	}
	n := newNames(ctx, tx)
	if err := n.prefetch(fresh); err != nil {
		return nil, err
	}
	creating := map[string]bool{}
	for i, ru := range rus {
		res := p.results[i]
		if u, ok := existing[res.Email]; ok && res.Email != "" {
			m := managed[u.ID]
			p.results[i] = skippedResult(res, &u, &m)
			continue
		}
		if creating[res.Email] && res.Email != "" {
			p.again = append(p.again, i)
			continue
		}
		u, err := mapUser(n, ru)
		if err == nil {
			err = u.Validate() // as lifecycle.CreateUser would refuse it
		}
		if err != nil {
			p.results[i] = failed(res, err)
			continue
		}
		n.reserve(u)
		creating[u.Email] = true
		p.create, p.users = append(p.create, i), append(p.users, u)
	}
	return p, nil
}

// usersByEmail returns the directory users (id and username) with these
// e-mail keys, by key.
func usersByEmail(ctx context.Context, tx *sqlstore.Tx, keys []string) (map[string]directory.User, error) {
	out := map[string]directory.User{}
	err := queryIn(ctx, tx, `SELECT id, username, email_key FROM users WHERE email_key IN `, "", keys, func(rows scanner) error {
		var u directory.User
		var key string
		if err := rows.Scan(&u.ID, &u.Username, &key); err != nil {
			return err
		}
		out[key] = u
		return nil
	})
	return out, err
}

// managedUsers tells which of the users are members of a group bound to
// the app.
func managedUsers(ctx context.Context, tx *sqlstore.Tx, appID string, userIDs []string) (map[string]bool, error) {
	out := map[string]bool{}
	err := queryIn(ctx, tx, `SELECT DISTINCT m.user_id FROM group_members m JOIN app_groups a ON a.group_id = m.group_id
		WHERE m.user_id IN `, ` AND a.app_id = ?`, userIDs, func(rows scanner) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out[id] = true
		return nil
	}, appID)
	return out, err
}
