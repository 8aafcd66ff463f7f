from homeloom.cli import main

raise SystemExit(main())
