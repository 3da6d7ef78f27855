package loaders

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/groupgraph/groupgraph/providers"
)

// BatchObserver is told the size of every group-details batch a loader
// sends, for the loader batch-size metric.
type BatchObserver func(provider providers.Kind, size int)

// WithBatchObserver reports every batch's size to observe.
func WithBatchObserver(observe BatchObserver) Option {
	return func(l *Loaders) { l.observe = observe }
}

// batchTracer is the dataloader hook through which batch sizes are seen.
type batchTracer struct {
	dataloader.NoopTracer[string, *providers.Group]
	kind    providers.Kind
	observe BatchObserver
}

func (t batchTracer) TraceBatch(ctx context.Context, keys []string) (context.Context, dataloader.TraceBatchFinishFunc[*providers.Group]) {
	t.observe(t.kind, len(keys))
	return ctx, func([]*dataloader.Result[*providers.Group]) {}
}

func (l *Loaders) batchOptions(k providers.Kind) []dataloader.Option[string, *providers.Group] {
	if l.observe == nil {
		return nil
	}
	return []dataloader.Option[string, *providers.Group]{
		dataloader.WithTracer[string, *providers.Group](batchTracer{kind: k, observe: l.observe}),
	}
}
