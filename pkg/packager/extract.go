package packager

import (
	"context"
	"fmt"
	"os"
)

// ExtractBundle unpacks a function's zip into dest, as Lambda unpacks it
// into /var/task, with the same safeguards as an artifact: entries are
// resolved beneath dest, links made only when they stay inside, and the size
// bounded. lamb check loads the handler from there.
func ExtractBundle(ctx context.Context, zipPath, dest string) error {
	f, err := os.Open(zipPath)
	if err != nil {
		return fmt.Errorf("open bundle %s: %w", zipPath, err)
	}
	defer f.Close()
	if _, err := unpack(ctx, f, dest, artifactLimits()); err != nil {
		return fmt.Errorf("unpack bundle %s: %w", zipPath, err)
	}
	return nil
}
