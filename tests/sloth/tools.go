//go:build tools

// Package sloth pins Sloth v0.16.0, whose own generator the slo rules are compared with.
// It is its own module so Sloth's dependencies never touch the distribution's.
package sloth

import _ "github.com/slok/sloth/cmd/sloth"
