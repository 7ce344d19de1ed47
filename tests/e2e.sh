#!/bin/sh
echo "e2e: none yet"
