"""CEB customs messages (海关跨境电子商务进口统一版, 202205), pure functions over
frozen dataclasses; no Django imports: configuration (signing keys, party codes)
comes in as arguments.

    model     dataclasses for every record (OrderHead, InventoryLine, InventoryReturn…),
              ``Message``, time helpers (ceb_time, ceb_date, return_time, parse_ceb_time)
    messages  build_ceb311/411/511/513/621/623/625, build_message (any type, receipts
              too), parse_message, read_message (bytes, bare or DxpMsg), records_of
    rules     business rules → list[Problem]: message_problems, check_* across documents
    receipts  status texts, is_rejection, receipt_key, returned_at
    derive    cancel_for (CEB623) and refund_for (CEB625) from a declared inventory
    dxp       wrap / unwrap of the DxpMsg terminal envelope
    signing   Signer port, RsaSha256Signer, signer_from_config, generate_demo_keypair
    schema    safe parse (no DTD/entities/network, size cap), XSD validation
    demo      consistent valid example documents (tests, bench, demo)
"""
