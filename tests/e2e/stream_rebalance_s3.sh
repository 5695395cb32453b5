#!/usr/bin/env bash
# stream_rebalance.sh with the output and checkpoint on a private RGW (unversioned bucket), where
# the zombie's late commit is refused by RGW's If-None-Match on the commit log.
REBALANCE_OUTPUT=s3 exec bash "$(dirname "$0")/stream_rebalance.sh"
