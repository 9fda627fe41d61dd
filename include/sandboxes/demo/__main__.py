from sandboxes.demo.program import main

raise SystemExit(main())
