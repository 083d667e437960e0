#!/usr/bin/env node
// Every build starts from an empty dist/: files of moved or deleted modules would otherwise stay,
// be packed by `npm pack`, and a deleted command's file would reach the oclif manifest.
import { rmSync } from 'node:fs'

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true })
