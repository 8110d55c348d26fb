// liquibook_insert.cpp -- liquibook's insert-only benchmark (its
// test/perf/pt_order_book.cpp workload) in the harness of bench_book.c's
// insert-only test, so the two books are measured like for like. Our code,
// built against a liquibook checkout outside this repository
// (bench/compare/liquibook.sh fetches nothing: it takes the checkout's path
// and builds in a temporary folder). docs/PERFORMANCE.md, "Order book, like
// for like", has the figures.
//
// The workload: a stream of 2^20 orders made in advance with srand(1):
// alternating buy and sell GTC limit orders, price rand() % 10 + (buy ? 1880
// : 1884), quantity (rand() % 10 + 1) * 100 -- liquibook's own. Two book
// policies, the same in both harnesses:
//   replaced  every 2^20 orders a fresh book (outside the timed sections),
//             for `seconds` of CPU time -- bench_book's policy;
//   kept      one book for `kept` orders (the stream repeated), never
//             replaced -- liquibook's own policy, over a fixed count
//             instead of a fixed time so that both books do the same work.
// Time: CPU time of the process (clock_gettime(CLOCK_PROCESS_CPUTIME_ID),
// what liquibook's clock() reads), around the add calls only; making the
// orders (liquibook: new SimpleOrder) is outside.
//
// usage: liquibook_insert [seconds] [kept]    (default 3, 4194304)
#include <simple/simple_order_book.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <vector>

using namespace liquibook;

static double cpu_s() {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct pq {
  book::Price price;
  book::Quantity qty;
};

typedef simple::SimpleOrderBook<5> FullDepth;
typedef simple::SimpleOrderBook<1> Bbo;
typedef book::OrderBook<simple::SimpleOrder *> NoDepth;

enum { N = 1 << 20 };

static std::vector<simple::SimpleOrder *> make_orders(const std::vector<pq> &st, size_t n) {
  std::vector<simple::SimpleOrder *> v(n);
  for (size_t i = 0; i < n; i++) v[i] = new simple::SimpleOrder((i % 2) == 0, st[i % N].price, st[i % N].qty);
  return v;
}

static void free_orders(std::vector<simple::SimpleOrder *> &v) {
  for (auto *o : v) delete o;
  v.clear();
}

template <class Book> static void replaced(const char *name, const std::vector<pq> &st, double seconds) {
  unsigned long inserted = 0, matched = 0;
  double spent = 0;
  while (spent < seconds) {
    std::vector<simple::SimpleOrder *> orders = make_orders(st, N);
    Book *b = new Book();
    double t0 = cpu_s();
    size_t i = 0;
    for (; i < N; i++) {
      b->add(orders[i]);
      if ((i & 4095) == 0 && spent + (cpu_s() - t0) >= seconds) {
        i++;
        break;
      }
    }
    spent += cpu_s() - t0;
    inserted += i;
    matched += i - (b->bids().size() + b->asks().size());
    delete b;
    free_orders(orders);
  }
  printf("liquibook %-10s replaced every 2^20: %lu orders in %.2f s CPU: %.0f orders/s; %lu matched\n", name,
         inserted, spent, (double)inserted / spent, matched);
  printf("RESULT liquibook_%s_replaced_per_s %.0f\n", name, (double)inserted / spent);
}

template <class Book> static void kept(const char *name, const std::vector<pq> &st, size_t count) {
  std::vector<simple::SimpleOrder *> orders = make_orders(st, count);
  Book *b = new Book();
  double t0 = cpu_s();
  for (size_t i = 0; i < count; i++) b->add(orders[i]);
  double spent = cpu_s() - t0;
  unsigned long matched = count - (b->bids().size() + b->asks().size());
  printf("liquibook %-10s one book, %zu orders: %.2f s CPU: %.0f orders/s; %lu matched\n", name, count, spent,
         (double)count / spent, matched);
  printf("RESULT liquibook_%s_kept_per_s %.0f\n", name, (double)count / spent);
  delete b;
  free_orders(orders);
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 3.0;
  size_t count = argc > 2 ? (size_t)atol(argv[2]) : (size_t)1 << 22;
  std::vector<pq> st(N);
  srand(1);
  for (size_t i = 0; i < N; i++) {
    bool buy = (i % 2) == 0;
    st[i].price = rand() % 10 + (buy ? 1880 : 1884);
    st[i].qty = (rand() % 10 + 1) * 100;
  }
  replaced<FullDepth>("depth5", st, seconds);
  replaced<Bbo>("bbo", st, seconds);
  replaced<NoDepth>("nodepth", st, seconds);
  kept<FullDepth>("depth5", st, count);
  kept<Bbo>("bbo", st, count);
  kept<NoDepth>("nodepth", st, count);
  return 0;
}
