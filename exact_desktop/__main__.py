from exact_desktop.cli import main

raise SystemExit(main())
