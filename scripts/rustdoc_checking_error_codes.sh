#!/bin/sh
# rustdoc, told to check the error codes of `compile_fail,E0xxx` doc tests: stable rustdoc
# ignores them unless it runs as nightly would (RUSTC_BOOTSTRAP=1), which only this process
# sees, so nothing compiled by cargo changes and no build is repeated.
# Used by `cargo xtask test`: RUSTDOC=scripts/rustdoc_checking_error_codes.sh cargo test --doc
RUSTC_BOOTSTRAP=1 exec rustdoc "$@"
