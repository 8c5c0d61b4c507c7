package provision_test

import "github.com/jumpgate-idp/jumpgate/internal/provision"

func provisionStatus(e *env) (*provision.Status, error) {
	return provision.QueueStatus(e.ctx, e.store, e.appID, e.clk.Now())
}
