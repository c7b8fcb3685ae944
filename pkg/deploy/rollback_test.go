package deploy

import (
	"errors"
	"testing"
)

// Every refused rollback is decided before any write: the alias stays
// where it was.
func TestRollbackAliasRefusesBeforeWriting(t *testing.T) {
	d, counted, _, env := motoDeployer(t)
	want := desired(env, "orders-api")
	for _, body := range []string{"1", "2"} {
		zip, sha := bundle(t, "exports.handler = async () => "+body+";\n")
		deployOnce(t, d, want, zip, sha)
	}
	for _, tt := range []struct{ alias, to, reason string }{
		{"live", "7", "version 7 does not exist (pruned, or never published)"},
		{"live", "$LATEST", "$LATEST is not a published version, and an alias on it would change with every deploy"},
		{"live", "01", `"01" is not a version number`},
		{"live", "live", `"live" is not a version number`},
		{"beta", "", "the alias does not exist; deploy the function first"},
	} {
		t.Run(tt.alias+" to "+tt.to, func(t *testing.T) {
			counted.reset()
			_, err := d.RollbackAlias(t.Context(), "orders-api", tt.alias, tt.to)
			var refused *RollbackRefusedError
			if !errors.As(err, &refused) || refused.Reason != tt.reason {
				t.Fatalf("err = %v, want refused: %s", err, tt.reason)
			}
			if w := counted.writes(); len(w) != 0 {
				t.Errorf("a refused rollback wrote %q", w)
			}
		})
	}
	res, err := d.RollbackAlias(t.Context(), "orders-api", "live", "")
	if err != nil || res.Alias != "live" || res.From != "2" || res.To != "1" || !res.Moved || len(res.FromWeights) != 0 {
		t.Fatalf("rollback = %+v, %v; want live 2 → 1", res, err)
	}
	a, err := d.ReadAlias(t.Context(), "orders-api", "live")
	if err != nil || a.Version != "1" || PreviousVersion(a) != "2" {
		t.Errorf("alias after rollback = %+v, %v; want on 1 recording 2", a, err)
	}
}
