package lifecycle

import (
	"context"

	"github.com/jumpgate-idp/jumpgate/internal/directory"
)

// ExpiringKey is an application's signing key in use (active or next) whose
// certificate expires within the warning period or has expired.
type ExpiringKey struct {
	App directory.App
	Key KeyInfo
}

// ExpiringKeys lists every active or next signing key of every application
// whose certificate is in its expiry-warning period (samlidp.ExpiryWarning)
// at the service's clock.
func (s *Service) ExpiringKeys(ctx context.Context) ([]ExpiringKey, error) {
	var out []ExpiringKey
	now := s.now()
	err := s.Store.View(ctx, func(tx directory.Tx) error {
		for offset := 0; ; offset += directory.MaxPageSize {
			apps, total, err := tx.ListApps(ctx, directory.AppFilter{Offset: offset, Limit: directory.MaxPageSize})
			if err != nil {
				return err
			}
			for _, a := range apps {
				keys, err := tx.ListAppKeys(ctx, a.ID)
				if err != nil {
					return err
				}
				for _, k := range keys {
					if k.Status == directory.KeyRetired {
						continue
					}
					if info := keyInfo(k, now); info.ExpiryWarning {
						out = append(out, ExpiringKey{App: a, Key: info})
					}
				}
			}
			if len(apps) == 0 || offset+len(apps) >= total {
				return nil
			}
		}
	})
	return out, err
}
