package testenv

import (
	"context"
	"slices"
	"strings"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// Calls records the operations an AWS client sends, so a test can assert
// "no writes" over everything the code under test did, whichever interface
// it reached the client through. Add Record to the client's APIOptions:
//
//	calls := &testenv.Calls{}
//	counted := lambda.New(raw.Options(), func(o *lambda.Options) {
//		o.APIOptions = append(o.APIOptions, calls.Record)
//	})
type Calls struct {
	mu  sync.Mutex
	ops []string
}

// Record installs the recording middleware on a client's stack.
func (c *Calls) Record(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("TestenvCalls",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			c.mu.Lock()
			c.ops = append(c.ops, awsmiddleware.GetOperationName(ctx))
			c.mu.Unlock()
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
}

// Reset forgets the calls recorded so far.
func (c *Calls) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops = nil
}

// All returns the operations sent since the last Reset, in order.
func (c *Calls) All() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.ops)
}

// Writes returns the operations that change something: all but reads
// (Get*, List*, Head*, Describe*).
func (c *Calls) Writes() []string {
	var w []string
	for _, op := range c.All() {
		if !slices.ContainsFunc([]string{"Get", "List", "Head", "Describe"}, func(p string) bool { return strings.HasPrefix(op, p) }) {
			w = append(w, op)
		}
	}
	return w
}
