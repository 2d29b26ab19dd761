# The addon build. Sources come from native/sources.json (the one list, also read by the cmake-js
# developer build); each SIMD level is its own static_library with its own -march flags.
{
  "targets": [
    {
      "target_name": "wengert",
      "sources": [
        "<!@(node -p \"require('./native/sources.json').common.join(' ')\")"
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api",
        "wg_scalar"
      ],
      "defines": [
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS",
        "NAPI_VERSION=8"
      ],
      "cflags_cc": [
        "-O3",
        "-fno-math-errno",
        "-Werror=switch",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter"
      ],
      "conditions": [
        [
          "target_arch=='x64'",
          {
            "dependencies": [
              "wg_sse",
              "wg_avx2",
              "wg_avx512"
            ]
          }
        ],
        [
          "target_arch=='arm64'",
          {
            "dependencies": [
              "wg_neon"
            ],
            "cflags_cc": [
              "<!@(node -p \"require('./native/sources.json').common_arm64_flags.join(' ')\")"
            ]
          }
        ]
      ]
    },
    {
      "target_name": "wg_scalar",
      "type": "static_library",
      "sources": [
        "<!@(node -p \"require('./native/sources.json').level.join(' ')\")"
      ],
      "defines": [
        "WG_LEVEL=0",
        "WG_NS=scalar"
      ],
      "cflags_cc": [
        "-O3",
        "-fno-math-errno",
        "-Werror=switch",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter",
        "-fPIC"
      ],
      "conditions": [
        [
          "target_arch=='x64'",
          {
            "cflags_cc": [
              "<!@(node -p \"require('./native/sources.json').levels.scalar.x64_flags.join(' ')\")"
            ]
          }
        ],
        [
          "target_arch=='arm64'",
          {
            "cflags_cc": [
              "<!@(node -p \"require('./native/sources.json').levels.scalar.arm64_flags.join(' ')\")"
            ]
          }
        ]
      ]
    },
    {
      "target_name": "wg_sse",
      "type": "static_library",
      "sources": [
        "<!@(node -p \"require('./native/sources.json').level.join(' ')\")"
      ],
      "defines": [
        "WG_LEVEL=1",
        "WG_NS=sse"
      ],
      "cflags_cc": [
        "-O3",
        "-fno-math-errno",
        "-Werror=switch",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter",
        "-fPIC"
      ],
      "conditions": [
        [
          "target_arch=='x64'",
          {
            "cflags_cc": [
              "<!@(node -p \"require('./native/sources.json').levels.sse.x64_flags.join(' ')\")"
            ]
          }
        ]
      ]
    },
    {
      "target_name": "wg_avx2",
      "type": "static_library",
      "sources": [
        "<!@(node -p \"require('./native/sources.json').level.join(' ')\")"
      ],
      "defines": [
        "WG_LEVEL=2",
        "WG_NS=avx2"
      ],
      "cflags_cc": [
        "-O3",
        "-fno-math-errno",
        "-Werror=switch",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter",
        "-fPIC"
      ],
      "conditions": [
        [
          "target_arch=='x64'",
          {
            "cflags_cc": [
              "<!@(node -p \"require('./native/sources.json').levels.avx2.x64_flags.join(' ')\")"
            ]
          }
        ]
      ]
    },
    {
      "target_name": "wg_avx512",
      "type": "static_library",
      "sources": [
        "<!@(node -p \"require('./native/sources.json').level.join(' ')\")"
      ],
      "defines": [
        "WG_LEVEL=3",
        "WG_NS=avx512"
      ],
      "cflags_cc": [
        "-O3",
        "-fno-math-errno",
        "-Werror=switch",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter",
        "-fPIC"
      ],
      "conditions": [
        [
          "target_arch=='x64'",
          {
            "cflags_cc": [
              "<!@(node -p \"require('./native/sources.json').levels.avx512.x64_flags.join(' ')\")"
            ]
          }
        ]
      ]
    }
  ],
  "conditions": [
    [
      "target_arch=='arm64'",
      {
        "targets": [
            {
              "target_name": "wg_neon",
              "type": "static_library",
              "sources": [
                "<!@(node -p \"require('./native/sources.json').level.join(' ')\")"
              ],
              "defines": [
                "WG_LEVEL=4",
                "WG_NS=neon"
              ],
              "cflags_cc": [
                "-O3",
                "-fno-math-errno",
                "-Werror=switch",
                "-Wall",
                "-Wextra",
                "-Wno-unused-parameter",
                "-fPIC"
              ],
              "conditions": [
                [
                  "target_arch=='arm64'",
                  {
                    "cflags_cc": [
                      "<!@(node -p \"require('./native/sources.json').levels.neon.arm64_flags.join(' ')\")"
                    ]
                  }
                ]
              ]
            }
        ]
      }
    ]
  ]
}
