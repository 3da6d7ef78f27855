package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/redis/go-redis/v9"

	"github.com/groupgraph/groupgraph/internal/apq"
	"github.com/groupgraph/groupgraph/internal/config"
	"github.com/groupgraph/groupgraph/internal/edge"
)

// RunPersisted is `groupgraph persisted import FILE [flags]`: it loads a
// client's persisted-query manifest (Apollo or Relay) into the Redis every
// instance reads, where its documents never expire.
func RunPersisted(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 || args[0] != "import" {
		return errors.New("usage: groupgraph persisted import FILE [-config FILE] [-redis-url URL]")
	}
	cfg, err := config.Load(args[2:], getenv, stderr)
	if err != nil {
		return err
	}
	n, err := ImportPersisted(ctx, cfg, args[1])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d persisted documents from %s\n", n, args[1])
	return nil
}

// ImportPersisted loads one manifest into the shared Redis. Without Redis
// there is nothing lasting to import into: list the manifest under
// safelist_manifests instead, which loads it at every start.
func ImportPersisted(ctx context.Context, cfg config.Config, path string) (int, error) {
	if cfg.RedisURL == "" {
		return 0, errors.New("persisted import needs redis_url (env REDIS_URL); without Redis, list the manifest under safelist_manifests")
	}
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return 0, errors.New("redis-url: cannot be parsed")
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return 0, fmt.Errorf("redis: %w", err)
	}
	return edge.ImportManifestFile(ctx, apq.NewRedis(rdb, cfg.RedisPrefix+edge.PersistedPrefix, 0, nil), path)
}
